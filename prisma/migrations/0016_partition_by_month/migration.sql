-- Monthly RANGE partitioning of the history tables (docs/scaling.md, "Partitioning"):
--   touchpoint (occurred_at), membership_change (at), failed_event (received_at), audit_log (at).
-- touchpoint_dedup stays a plain table keyed by (source, message_id), so a resend is caught however old
-- its original is. Written generically (no column lists): whatever columns and indexes earlier
-- migrations gave these tables carry over. Each table is renamed, a partitioned copy is made with the
-- partition column added to its primary key, its indexes and foreign keys are re-created from the
-- catalog, monthly partitions are made for the months its rows fall in (plus a DEFAULT partition for
-- anything else), the rows are copied and the old table dropped. Sequences (BIGSERIAL) move to the new
-- table, so numbering carries on without reuse.
CREATE FUNCTION "_cdp_partition_by_month"(tbl text, col text) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
  old_name text := tbl || '_unpartitioned';
  old_oid oid := to_regclass(quote_ident(tbl));
  pk_cols text;
  pk_name text;
  idx record;
  index_defs text[] := '{}';
  fk_defs text[] := '{}';
  seqs text[] := '{}';
  def text;
  lo date;
  hi date;
  span int;
  m date;
  months date[];
BEGIN
  IF old_oid IS NULL THEN RAISE EXCEPTION 'table % not found', tbl; END IF;
  IF (SELECT relkind FROM pg_class WHERE oid = old_oid) = 'p' THEN RETURN; END IF;
  -- Nothing may point at a partitioned table's rows by a key that lacks the partition column.
  IF EXISTS (SELECT 1 FROM pg_constraint WHERE contype = 'f' AND confrelid = old_oid AND conrelid <> old_oid) THEN
    RAISE EXCEPTION 'cannot partition %: other tables reference it by foreign key', tbl;
  END IF;

  SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.ord) INTO pk_cols
  FROM pg_constraint c
  CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
  JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
  WHERE c.conrelid = old_oid AND c.contype = 'p' AND a.attname <> col;
  IF pk_cols IS NULL THEN RAISE EXCEPTION 'table % has no primary key', tbl; END IF;
  SELECT conname INTO pk_name FROM pg_constraint WHERE conrelid = old_oid AND contype = 'p';

  -- Index definitions are taken while the table still has its name, so they re-create on the new one.
  FOR idx IN
    SELECT i.indexrelid, i.indisunique, ic.relname AS name, con.oid AS con_oid,
           pg_get_indexdef(i.indexrelid) AS def,
           EXISTS (SELECT 1 FROM unnest(i.indkey) AS k(attnum)
                   JOIN pg_attribute a ON a.attrelid = old_oid AND a.attnum = k.attnum WHERE a.attname = col) AS has_col
    FROM pg_index i
    JOIN pg_class ic ON ic.oid = i.indexrelid
    LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.conrelid = old_oid
    WHERE i.indrelid = old_oid AND NOT i.indisprimary
  LOOP
    IF idx.indisunique AND NOT idx.has_col THEN
      RAISE EXCEPTION 'cannot partition %: unique index % does not include %', tbl, idx.name, col;
    END IF;
    IF idx.con_oid IS NOT NULL THEN
      index_defs := index_defs || format('ALTER TABLE %I ADD CONSTRAINT %I %s', tbl, idx.name, pg_get_constraintdef(idx.con_oid));
      EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', tbl, idx.name);
    ELSE
      index_defs := index_defs || idx.def;
      EXECUTE format('DROP INDEX %s', idx.indexrelid::regclass);
    END IF;
  END LOOP;

  SELECT coalesce(array_agg(format('ALTER TABLE %I ADD CONSTRAINT %I %s', tbl, conname, pg_get_constraintdef(oid))), '{}') INTO fk_defs
  FROM pg_constraint WHERE conrelid = old_oid AND contype = 'f';

  SELECT coalesce(array_agg(d.objid::regclass::text), '{}') INTO seqs
  FROM pg_depend d JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
  WHERE d.refobjid = old_oid AND d.classid = 'pg_class'::regclass AND d.deptype = 'a';

  EXECUTE format('ALTER TABLE %I RENAME TO %I', tbl, old_name);
  EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', old_name, pk_name);

  EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS, CONSTRAINT %I PRIMARY KEY (%s, %I)) PARTITION BY RANGE (%I)',
                 tbl, old_name, tbl || '_pkey', pk_cols, col, col);
  FOREACH def IN ARRAY index_defs LOOP EXECUTE def; END LOOP;
  FOREACH def IN ARRAY fk_defs LOOP EXECUTE def; END LOOP;

  -- Months are UTC calendar months. From the first to the last month with rows; a span longer than 20
  -- years (a stray timestamp) gets partitions only for the latest 240 months that hold rows.
  EXECUTE format('SELECT min(date_trunc(''month'', %1$I AT TIME ZONE ''UTC''))::date, max(date_trunc(''month'', %1$I AT TIME ZONE ''UTC''))::date FROM %2$I', col, old_name)
    INTO lo, hi;
  IF lo IS NOT NULL THEN
    span := (extract(year FROM hi)::int - extract(year FROM lo)::int) * 12 + extract(month FROM hi)::int - extract(month FROM lo)::int;
    IF span < 240 THEN
      SELECT array_agg(g::date ORDER BY g) INTO months FROM generate_series(lo, hi, interval '1 month') AS g;
    ELSE
      EXECUTE format('SELECT array_agg(mo ORDER BY mo) FROM (SELECT DISTINCT date_trunc(''month'', %1$I AT TIME ZONE ''UTC'')::date AS mo FROM %2$I ORDER BY 1 DESC LIMIT 240) x', col, old_name)
        INTO months;
    END IF;
    FOREACH m IN ARRAY months LOOP
      EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
                     tbl || '_p' || to_char(m, 'YYYY_MM'), tbl,
                     to_char(m, 'YYYY-MM-DD') || ' 00:00:00+00', to_char(m + interval '1 month', 'YYYY-MM-DD') || ' 00:00:00+00');
    END LOOP;
  END IF;
  EXECUTE format('CREATE TABLE %I PARTITION OF %I DEFAULT', tbl || '_default', tbl);

  EXECUTE format('INSERT INTO %I SELECT * FROM %I', tbl, old_name);
  FOREACH def IN ARRAY seqs LOOP
    EXECUTE format('ALTER SEQUENCE %s OWNED BY %I.%I', def, tbl,
                   (SELECT a.attname FROM pg_depend d JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                    WHERE d.objid = def::regclass AND d.refobjid = to_regclass(quote_ident(old_name)) AND d.deptype = 'a'));
  END LOOP;
  EXECUTE format('DROP TABLE %I', old_name);
END
$fn$;

SELECT "_cdp_partition_by_month"('touchpoint', 'occurred_at');
SELECT "_cdp_partition_by_month"('membership_change', 'at');
SELECT "_cdp_partition_by_month"('failed_event', 'received_at');
SELECT "_cdp_partition_by_month"('audit_log', 'at');

DROP FUNCTION "_cdp_partition_by_month"(text, text);
