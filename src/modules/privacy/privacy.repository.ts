/**
 * The SQL of erasure and suppression. Every write takes the caller's transaction; lists go in as
 * arrays compared with = ANY(...), like the identity repository, so the indexes are used.
 */
import type { Db } from '../../db/client.ts';
import { Prisma } from '../../generated/prisma/client.ts';
import type { IdentityType } from '../../generated/prisma/enums.ts';

export interface CustomerHead {
  id: string;
  mergedIntoId: string | null;
  erasedAt: Date | null;
}

/** Identifier values to look for in raw payloads (quarantined events), prepared for matching. */
export interface PayloadNeedles {
  /** Lower-cased; matched anywhere in the payload text (an email is distinctive enough). */
  emails: string[];
  /** Digits of E.164 numbers; matched against the digits of any leaf, so "(415) 555-2671" is found. */
  phoneDigits: string[];
  /** Other ids (user, anonymous, device, CRM, ...); matched exactly, only where events carry ids. */
  ids: string[];
}

/** Where a raw event names people; ids are compared only there, since "42" anywhere else is a count. */
const ID_PATHS = ['$.userId', '$.anonymousId', '$.previousId', '$.groupId', '$.identities[*].value', '$.context.device.id', '$.externalId'];
/** Fewer digits than this are too common to call a phone number (order numbers, amounts). */
const MIN_PHONE_DIGITS = 8;

function payloadMatches(n: PayloadNeedles): Prisma.Sql {
  return Prisma.sql`(
    EXISTS (SELECT 1 FROM unnest(${n.emails}::text[]) AS e(v) WHERE strpos(lower(f.payload::text), e.v) > 0)
    OR EXISTS (
      SELECT 1 FROM unnest(${ID_PATHS}::text[]) AS p(path), jsonb_path_query(f.payload, p.path::jsonpath) AS j(v)
      WHERE jsonb_typeof(j.v) IN ('string', 'number') AND btrim(j.v #>> '{}') = ANY(${n.ids}::text[]))
    OR (cardinality(${n.phoneDigits}::text[]) > 0 AND EXISTS (
      SELECT 1 FROM jsonb_path_query(f.payload, '$.**') AS j(v)
      CROSS JOIN LATERAL (SELECT regexp_replace(j.v #>> '{}', '\\D', '', 'g') AS d) AS x
      JOIN unnest(${n.phoneDigits}::text[]) AS ph(d) ON x.d = ph.d
        OR (length(x.d) >= ${MIN_PHONE_DIGITS} AND length(x.d) < length(ph.d) AND right(ph.d, length(x.d)) = x.d)
      WHERE jsonb_typeof(j.v) IN ('string', 'number'))))`;
}

export const privacyRepository = {
  async head(db: Db, id: string): Promise<CustomerHead | null> {
    return db.customer.findUnique({ where: { id }, select: { id: true, mergedIntoId: true, erasedAt: true } });
  },

  /** The live customer and everyone merged into it (merge pointers always name the final winner). */
  async mergedSet(db: Db, rootId: string): Promise<string[]> {
    const rows = await db.$queryRaw<{ id: string }[]>`
      SELECT id::text AS id FROM customer WHERE id = ${rootId}::uuid
      UNION ALL SELECT id::text FROM customer WHERE merged_into_id = ${rootId}::uuid`;
    return rows.map((r) => r.id);
  },

  async identifiers(db: Db, ids: string[]) {
    // Sequential: in a transaction Prisma would batch these and cache a plan per set of ids.
    const identities = await db.$queryRaw<{ type: IdentityType; value: string }[]>`
      SELECT type::text AS type, value FROM identity WHERE customer_id = ANY(${ids}::uuid[])`;
    const customers = await db.customer.findMany({ where: { id: { in: ids } }, select: { source: true, externalId: true, email: true, phone: true } });
    return { identities, customers };
  },

  // --- suppression ---------------------------------------------------------------------------------

  /**
   * Looks the hashes up and counts the drops in one statement: the rows it returns are the
   * suppressed ones, and each has already grown by how many items carried it.
   */
  async consumeSuppressed(tx: Db, counts: Map<string, number>): Promise<Set<string>> {
    if (counts.size === 0) return new Set();
    const rows = await tx.$queryRaw<{ hash: string }[]>`
      UPDATE suppressed_identifier s SET dropped_count = s.dropped_count + c.n
      FROM unnest(${[...counts.keys()]}::text[], ${[...counts.values()]}::int[]) AS c(hash, n)
      WHERE s.hash = c.hash
      RETURNING s.hash`;
    return new Set(rows.map((r) => r.hash));
  },

  async suppress(tx: Db, keys: { hash: string; type: IdentityType }[], erasedId: string): Promise<number> {
    if (keys.length === 0) return 0;
    return tx.$executeRaw`
      INSERT INTO suppressed_identifier (hash, type, erased_id)
      SELECT k.hash, k.type::"IdentityType", ${erasedId}::uuid
      FROM unnest(${keys.map((k) => k.hash)}::text[], ${keys.map((k) => k.type)}::text[]) AS k(hash, type)
      ON CONFLICT (hash) DO NOTHING`;
  },

  // --- erasure (counts are rows this call changed, so a repeat answers zeros) ----------------------

  async deleteIdentities(tx: Db, ids: string[]): Promise<number> {
    return tx.$executeRaw`DELETE FROM identity WHERE customer_id = ANY(${ids}::uuid[])`;
  },

  /** Names, events and revenue stay (analytics keep counting); what the client said about the person goes. */
  async scrubTouchpoints(tx: Db, ids: string[]): Promise<number> {
    return tx.$executeRaw`
      UPDATE touchpoint SET properties = '{}'::jsonb, context = '{}'::jsonb, anonymous_id = NULL
      WHERE customer_id = ANY(${ids}::uuid[])
        AND (properties <> '{}'::jsonb OR context <> '{}'::jsonb OR anonymous_id IS NOT NULL)`;
  },

  async deleteFailedEvents(tx: Db, needles: PayloadNeedles): Promise<number> {
    return tx.$executeRaw`DELETE FROM failed_event f WHERE ${payloadMatches(needles)}`;
  },

  async deleteTags(tx: Db, ids: string[]): Promise<number> {
    return tx.$executeRaw`DELETE FROM customer_tag WHERE customer_id = ANY(${ids}::uuid[])`;
  },

  /** The ledger keeps who merged whom (and can still undo it), not the identifier values or copied attributes. */
  async scrubMerges(tx: Db, ids: string[]): Promise<number> {
    return tx.$executeRaw`
      UPDATE merge_event SET identities_moved = '[]'::jsonb,
        loser_snapshot = CASE WHEN loser_snapshot ? 'winnerPatch' THEN jsonb_set(loser_snapshot, '{winnerPatch}', '{}'::jsonb) ELSE loser_snapshot END
      WHERE (winner_id = ANY(${ids}::uuid[]) OR loser_id = ANY(${ids}::uuid[]))
        AND (identities_moved <> '[]'::jsonb OR COALESCE(loser_snapshot -> 'winnerPatch', '{}'::jsonb) <> '{}'::jsonb)`;
  },

  /**
   * Country stays (coarse, and what regional analytics and segments count); everything that names,
   * reaches or describes the person goes. Also re-scrubs a row that gained data after an erase (a
   * manual merge into it fills blanks from the loser).
   */
  async scrubCustomers(tx: Db, ids: string[], at: Date): Promise<number> {
    return tx.$executeRaw`
      UPDATE customer SET email = NULL, phone = NULL, first_name = NULL, last_name = NULL, name = NULL, gender = NULL,
        birthday = NULL, city = NULL, company = NULL, external_id = NULL, traits = '{}'::jsonb,
        erased_at = COALESCE(erased_at, ${at}::timestamptz), updated_at = now()
      WHERE id = ANY(${ids}::uuid[])
        AND (erased_at IS NULL OR traits <> '{}'::jsonb
          OR num_nonnulls(email, phone, first_name, last_name, name, gender, birthday, city, company, external_id) > 0)`;
  },

  async membershipCount(db: Db, ids: string[]): Promise<number> {
    const [row] = await db.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM segment_membership WHERE customer_id = ANY(${ids}::uuid[])`;
    return row?.n ?? 0;
  },

  // --- export --------------------------------------------------------------------------------------

  failedEvents(db: Db, needles: PayloadNeedles) {
    return db.$queryRaw<{ id: string; source: string; reason: string; message: string | null; payload: unknown; receivedAt: Date }[]>`
      SELECT f.id::text AS id, f.source, f.reason, f.message, f.payload, f.received_at AS "receivedAt"
      FROM failed_event f WHERE ${payloadMatches(needles)} ORDER BY f.received_at, f.id`;
  },
};
