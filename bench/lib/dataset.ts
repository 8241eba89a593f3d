/**
 * The read data set (W2 and later read workloads): customers with identities, tags, segment
 * memberships and touchpoints, generated deterministically and written in bulk — COPY on PostgreSQL,
 * json_populate_recordset on PGlite — not through the API, so that `--scale large` (1M customers, 10M
 * touchpoints) loads in minutes. Stats columns are then computed from the touchpoints the way the
 * pipeline keeps them.
 *
 * From BULK_FROM customers on PostgreSQL (the large scale), the loaded tables' plain indexes (those not
 * backing a primary key or unique constraint) are dropped and their triggers (the foreign-key checks)
 * disabled while the rows go in, then the indexes are built again from their own definitions, the
 * triggers enabled, and the tables vacuumed and analysed: the same schema and rows, built by sorting
 * rather than by 10M random index insertions. The rows are consistent by construction.
 */
import { seededRandom } from '../../src/lib/random.ts';
import type { BenchContext } from './context.ts';
import { EVENT_EPOCH, sampleTouch } from './events.ts';
import { seededUuid } from './ids.ts';
import { copyText, insertRows, resetData, type BenchSql } from './sql.ts';

const COUNTRIES: [string, string[]][] = [
  ['CN', ['Shanghai', 'Beijing', 'Shenzhen', 'Hangzhou']],
  ['US', ['New York', 'San Francisco', 'Austin']],
  ['GB', ['London', 'Manchester']],
  ['DE', ['Berlin', 'Munich']],
  ['JP', ['Tokyo', 'Osaka']],
];
const TAGS = ['vip', 'newsletter', 'churn-risk', 'wholesale', 'app-user', 'mini-program', 'store-regular', 'high-value', 'discount-seeker', 'new', 'loyal', 'returns-often'];
const SEGMENTS = ['Active last 30 days', 'VIP spenders', 'At risk', 'Cart abandoners', 'App users', 'Email engaged', 'China', 'First-time buyers'];
const SPAN_MS = 60 * 24 * 3600 * 1000;
const CHUNK = 10_000;
const BULK_FROM = 100_000;
const BULK_TABLES = ['customer', 'identity', 'customer_tag', 'segment_membership', 'touchpoint'];

export interface ReadDataset {
  customers: number;
  touchpoints: number;
  /** A deterministic sample of customer ids to read. */
  sampleIds: string[];
  seconds: number;
}

async function writeTable(sql: BenchSql, table: string, columns: string[], rows: unknown[][]): Promise<void> {
  if (rows.length === 0) return;
  if (sql.copy) {
    await sql.copy(table, columns, copyText(rows));
    return;
  }
  await insertRows(sql, table, rows.map((r) => Object.fromEntries(columns.map((c, i) => [c, r[i]]))));
}

/** Drops the plain indexes of BULK_TABLES and disables their triggers; returns what restores both. */
async function relaxForBulkLoad(ctx: BenchContext): Promise<() => Promise<void>> {
  const { sql } = ctx;
  const indexes = await sql.query<{ name: string; def: string }>(
    `SELECT quote_ident(i.indexname) AS name, i.indexdef AS def FROM pg_indexes i
      WHERE i.schemaname = current_schema() AND i.tablename = ANY($1::text[])
        AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = format('%I.%I', i.schemaname, i.indexname)::regclass)`,
    [BULK_TABLES],
  );
  for (const i of indexes) await sql.query(`DROP INDEX ${i.name}`);
  for (const t of BULK_TABLES) await sql.query(`ALTER TABLE ${t} DISABLE TRIGGER ALL`);
  ctx.log(`  data set: bulk mode, ${indexes.length} indexes dropped and triggers disabled on ${BULK_TABLES.join(', ')} while loading`);
  return async () => {
    const t0 = performance.now();
    for (const t of BULK_TABLES) await sql.query(`ALTER TABLE ${t} ENABLE TRIGGER ALL`);
    const client = await sql.pool!.connect();
    try {
      await client.query(`SET maintenance_work_mem = '512MB'`);
      // A partitioned table's index is listed as CREATE INDEX … ON ONLY, which would make only the
      // parent's (invalid) index and none on the partitions: every touchpoint read of the large W2/W6
      // data then scanned 10M rows (2026-12-04). Without ONLY it is built on every partition.
      for (const i of indexes) await client.query(i.def.replace(/ ON ONLY /, ' ON '));
      await client.query('RESET maintenance_work_mem');
    } finally {
      client.release();
    }
    ctx.log(`  data set: ${indexes.length} indexes rebuilt in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  };
}

export async function loadReadDataset(ctx: BenchContext, opts: { customers: number; touchpointsPerCustomer: number; sample?: number; seed?: number }): Promise<ReadDataset> {
  const started = performance.now();
  const rng = seededRandom(opts.seed ?? 2);
  await resetData(ctx.sql);

  const tagIds = TAGS.map(() => seededUuid(rng));
  await writeTable(ctx.sql, 'tag', ['id', 'key', 'name', 'category'], TAGS.map((key, i) => [tagIds[i], key, key.replace(/-/g, ' '), i % 2 ? 'behaviour' : 'value']));
  const segmentIds = SEGMENTS.map(() => seededUuid(rng));
  await writeTable(ctx.sql, 'segment', ['id', 'name', 'rule'], SEGMENTS.map((name, i) => [segmentIds[i], name, { and: [] }]));

  const bulk = opts.customers >= BULK_FROM && ctx.sql.pool !== null;
  const restore = bulk ? await relaxForBulkLoad(ctx) : null;
  let restored = false;
  try {
    const sampleEvery = Math.max(1, Math.floor(opts.customers / (opts.sample ?? 1000)));
    const sampleIds: string[] = [];
    let touchpoints = 0;
    for (let from = 0; from < opts.customers; from += CHUNK) {
      const customers: unknown[][] = [];
      const identities: unknown[][] = [];
      const tps: unknown[][] = [];
      const tags: unknown[][] = [];
      const memberships: unknown[][] = [];
      for (let i = from; i < Math.min(from + CHUNK, opts.customers); i++) {
        const id = seededUuid(rng);
        if (i % sampleEvery === 0) sampleIds.push(id);
        const [country, cities] = rng.pick(COUNTRIES);
        const first = `First${i}`;
        const last = `Last${i % 997}`;
        const createdAt = new Date(EVENT_EPOCH - rng.int(0, 365) * 86_400_000).toISOString();
        customers.push([id, 'bench', `c-${i}`, `c${i}@example.com`, first, last, `${first} ${last}`, country, rng.pick(cities), { plan: rng.pick(['free', 'pro', 'team']), score: rng.int(0, 100) }, createdAt, createdAt]);
        identities.push([seededUuid(rng), 'USER_ID', `c-user-${i}`, id, 'bench']);
        identities.push([seededUuid(rng), 'EMAIL', `c${i}@example.com`, id, 'bench']);
        identities.push([seededUuid(rng), 'ANONYMOUS_ID', `c-anon-${i}`, id, 'bench']);
        if (rng.chance(0.3)) identities.push([seededUuid(rng), 'PHONE', `+8613${String(i).padStart(9, '0')}`, id, 'bench']);
        if (rng.chance(0.2)) identities.push([seededUuid(rng), 'WECHAT_OPEN_ID', `o-${i}-${rng.int(1000, 9999)}`, id, 'bench']);
        for (const t of new Set(Array.from({ length: rng.int(0, 3) }, () => rng.int(0, TAGS.length - 1)))) tags.push([id, tagIds[t]]);
        for (const s of new Set(Array.from({ length: rng.int(0, 3) }, () => rng.int(0, SEGMENTS.length - 1)))) memberships.push([segmentIds[s], id]);
        // Visits: bursts of touchpoints a few minutes apart, days apart from each other.
        const n = rng.int(1, 2 * opts.touchpointsPerCustomer - 1);
        let at = EVENT_EPOCH + rng.int(0, SPAN_MS / 2);
        for (let k = 0; k < n; k++) {
          at += rng.chance(0.3) ? rng.int(1, 5) * 86_400_000 : rng.int(10, 600) * 1000;
          const t = sampleTouch(rng, touchpoints);
          const anon = rng.chance(0.5) ? `c-anon-${i}` : null;
          tps.push([seededUuid(rng), 'bench', `d-${touchpoints}`, id, anon, t.type, t.event, t.channel, t.sourceName, t.properties, t.context, t.revenue, t.currency, new Date(at).toISOString(), `s-${i}-${Math.floor(at / 3_600_000)}`]);
          touchpoints++;
        }
      }
      await writeTable(ctx.sql, 'customer', ['id', 'source', 'external_id', 'email', 'first_name', 'last_name', 'name', 'country', 'city', 'traits', 'created_at', 'updated_at'], customers);
      await writeTable(ctx.sql, 'identity', ['id', 'type', 'value', 'customer_id', 'source'], identities);
      await writeTable(ctx.sql, 'customer_tag', ['customer_id', 'tag_id'], tags);
      await writeTable(ctx.sql, 'segment_membership', ['segment_id', 'customer_id'], memberships);
      await writeTable(
        ctx.sql,
        'touchpoint',
        ['id', 'source', 'message_id', 'customer_id', 'anonymous_id', 'type', 'event', 'channel', 'source_name', 'properties', 'context', 'revenue', 'currency', 'occurred_at', 'session_id'],
        tps,
      );
      if (opts.customers > CHUNK) ctx.log(`  data set: ${Math.min(from + CHUNK, opts.customers)} / ${opts.customers} customers`);
    }
    // The stats columns as the pipeline's refreshStats keeps them.
    await ctx.sql.query(`
      UPDATE customer c SET touchpoint_count = s.n, first_seen_at = s.first_seen, last_seen_at = s.last_seen,
             lifetime_value = s.ltv, order_count = s.orders
      FROM (SELECT customer_id, count(*)::int AS n, min(occurred_at) AS first_seen, max(occurred_at) AS last_seen,
                   COALESCE(sum(revenue) FILTER (WHERE revenue > 0), 0) AS ltv, (count(*) FILTER (WHERE revenue > 0))::int AS orders
            FROM touchpoint GROUP BY customer_id) s
      WHERE c.id = s.customer_id`);
    if (restore) {
      restored = true;
      await restore();
      const t0 = performance.now();
      for (const t of BULK_TABLES) await ctx.sql.query(`VACUUM (ANALYZE) ${t}`);
      ctx.log(`  data set: ${BULK_TABLES.join(', ')} vacuumed in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
    await ctx.sql.query('ANALYZE');
    return { customers: opts.customers, touchpoints, sampleIds, seconds: (performance.now() - started) / 1000 };
  } finally {
    if (restore && !restored) await restore();
  }
}
