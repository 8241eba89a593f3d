/**
 * The only code that reads or writes customers. Batch paths are set-based: one statement for a whole
 * batch, rows passed as one JSON parameter and expanded with jsonb_to_recordset.
 */
import type { Db } from '../../db/client.ts';
import { Prisma, type Customer as CustomerRow } from '../../generated/prisma/client.ts';
import { externalKey, type CustomerRecord, type CustomerState, type IdentityRef } from './customer.model.ts';
import type { IdentityWrite } from './customer.upsert-plan.ts';

export function toRecord(row: CustomerRow): CustomerRecord {
  return {
    id: row.id,
    source: row.source,
    externalId: row.externalId,
    email: row.email,
    phone: row.phone,
    firstName: row.firstName,
    lastName: row.lastName,
    name: row.name,
    gender: row.gender,
    birthday: row.birthday ? row.birthday.toISOString().slice(0, 10) : null,
    country: row.country,
    city: row.city,
    company: row.company,
    traits: (row.traits ?? {}) as Record<string, unknown>,
    firstSeenAt: row.firstSeenAt,
    lastSeenAt: row.lastSeenAt,
    lifetimeValue: Number(row.lifetimeValue),
    orderCount: row.orderCount,
    touchpointCount: row.touchpointCount,
    mergedIntoId: row.mergedIntoId,
    erasedAt: row.erasedAt,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/** `c.id` is one of `ids`: the ids go as one JSON parameter, so the statement text is the same for any number of them. */
const idIn = (ids: readonly string[]) => Prisma.sql`c.id = ANY (ARRAY(SELECT k::uuid FROM jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb) AS k))`;

export const customerRepository = {
  async findByIds(db: Db, ids: readonly string[]): Promise<CustomerRecord[]> {
    if (ids.length === 0) return [];
    const rows = await db.customer.findMany({ where: { id: { in: [...ids] } } });
    return rows.map(toRecord);
  },

  // The reads below serve the write paths (ingest, upserts, segment evaluation), which run them once
  // or twice per batch: each selects only what its caller uses, in raw SQL, which skips the Prisma
  // client's full-row mapping (decimals, dates, JSON) of every customer in the batch.

  /** id and created_at: identity resolution picks the oldest customer as a merge's winner. */
  async createdAtByIds(db: Db, ids: readonly string[]): Promise<{ id: string; createdAt: Date }[]> {
    if (ids.length === 0) return [];
    return db.$queryRaw<{ id: string; createdAt: Date }[]>`
      SELECT c.id::text AS id, c.created_at AS "createdAt"
      FROM customer c
      WHERE ${idIn(ids)}`;
  },

  /** Whether each customer was merged away or erased: what segment evaluation sorts them by. */
  async liveStatusByIds(db: Db, ids: readonly string[]): Promise<{ id: string; mergedIntoId: string | null; erasedAt: Date | null }[]> {
    if (ids.length === 0) return [];
    return db.$queryRaw<{ id: string; mergedIntoId: string | null; erasedAt: Date | null }[]>`
      SELECT c.id::text AS id, c.merged_into_id::text AS "mergedIntoId", c.erased_at AS "erasedAt"
      FROM customer c
      WHERE ${idIn(ids)}`;
  },

  /** The writable state (no stats or timestamps): CRM upserts and identify traits plan against it. */
  async statesByIds(db: Db, ids: readonly string[]): Promise<CustomerState[]> {
    if (ids.length === 0) return [];
    const rows = await db.$queryRaw<(Omit<CustomerState, 'traits'> & { traits: CustomerState['traits'] | null })[]>`
      SELECT c.id::text AS id, c.source, c.external_id AS "externalId", c.email, c.phone, c.first_name AS "firstName",
             c.last_name AS "lastName", c.name, c.gender, to_char(c.birthday, 'YYYY-MM-DD') AS birthday, c.country,
             c.city, c.company, c.traits
      FROM customer c
      WHERE ${idIn(ids)}`;
    return rows.map((r) => ({ ...r, traits: r.traits ?? {} }));
  },

  /**
   * Serialises writers that touch the same people: one transaction-level advisory lock per key, taken
   * in a fixed order so two batches never wait on each other in a cycle. Keyed by schema too: advisory
   * locks are shared by the whole database, and the same person in two schemas is two people.
   */
  async lockKeys(tx: Db, keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    await tx.$executeRaw`
      SELECT pg_advisory_xact_lock(h)
      FROM (SELECT DISTINCT hashtextextended(current_schema() || ':' || k, 0) AS h FROM jsonb_array_elements_text(${JSON.stringify(keys)}::jsonb) AS k ORDER BY 1) AS s`;
  },

  /** externalKey → id of the live customer (a merged-away customer resolves to its winner). */
  async idsByExternalId(db: Db, pairs: { source: string; externalId: string }[]): Promise<Map<string, string>> {
    if (pairs.length === 0) return new Map();
    const rows = await db.$queryRaw<{ source: string; external_id: string; id: string }[]>`
      SELECT c.source, c.external_id, COALESCE(c.merged_into_id, c.id)::text AS id
      FROM customer c
      JOIN jsonb_to_recordset(${JSON.stringify(pairs)}::jsonb) AS k("source" text, "externalId" text)
        ON c.source = k.source AND c.external_id = k."externalId"`;
    return new Map(rows.map((r) => [externalKey(r.source, r.external_id), r.id]));
  },

  /** identityKey → id of the live customer holding it. */
  async idsByIdentity(db: Db, identities: IdentityRef[]): Promise<Map<string, string>> {
    if (identities.length === 0) return new Map();
    const rows = await db.$queryRaw<{ key: string; id: string }[]>`
      SELECT i.type::text || ':' || i.value AS key, COALESCE(c.merged_into_id, c.id)::text AS id
      FROM jsonb_to_recordset(${JSON.stringify(identities)}::jsonb) AS k("type" text, "value" text)
      JOIN identity i ON i.type = k.type::"IdentityType" AND i.value = k.value
      JOIN customer c ON c.id = i.customer_id`;
    return new Map(rows.map((r) => [r.key, r.id]));
  },

  /** Inserts new customers and rewrites changed ones, in one statement. */
  async writeStates(tx: Db, states: CustomerState[]): Promise<void> {
    if (states.length === 0) return;
    await tx.$executeRaw`
      INSERT INTO customer (id, source, external_id, email, phone, first_name, last_name, name, gender, birthday,
                            country, city, company, traits, created_at, updated_at)
      SELECT r.id, r.source, r."externalId", r.email, r.phone, r."firstName", r."lastName", r.name, r.gender,
             r.birthday::date, r.country, r.city, r.company, r.traits, now(), now()
      FROM jsonb_to_recordset(${JSON.stringify(states)}::jsonb) AS r(
        id uuid, source text, "externalId" text, email text, phone text, "firstName" text, "lastName" text,
        name text, gender text, birthday text, country text, city text, company text, traits jsonb)
      ON CONFLICT (id) DO UPDATE SET
        source = EXCLUDED.source, external_id = EXCLUDED.external_id, email = EXCLUDED.email,
        phone = EXCLUDED.phone, first_name = EXCLUDED.first_name, last_name = EXCLUDED.last_name,
        name = EXCLUDED.name, gender = EXCLUDED.gender, birthday = EXCLUDED.birthday,
        country = EXCLUDED.country, city = EXCLUDED.city, company = EXCLUDED.company,
        traits = EXCLUDED.traits, updated_at = now()`;
  },

  async insertIdentities(tx: Db, identities: IdentityWrite[]): Promise<void> {
    if (identities.length === 0) return;
    await tx.$executeRaw`
      INSERT INTO identity (id, type, value, customer_id, source)
      SELECT gen_random_uuid(), r.type::"IdentityType", r.value, r."customerId", r.source
      FROM jsonb_to_recordset(${JSON.stringify(identities)}::jsonb) AS r("type" text, "value" text, "customerId" uuid, source text)
      ON CONFLICT (type, value) DO NOTHING`;
  },

  /** Which of these customers have been merged into another. */
  async mergedAwayAmong(db: Db, ids: string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    // Raw like the reads above: every upsert batch runs it over all the customers it matched.
    const rows = await db.$queryRaw<{ id: string }[]>`
      SELECT c.id::text AS id
      FROM customer c
      WHERE ${idIn(ids)}
        AND c.merged_into_id IS NOT NULL`;
    return rows.map((r) => r.id);
  },

  async list(db: Db, where: Prisma.CustomerWhereInput, orderBy: Prisma.CustomerOrderByWithRelationInput[], take: number) {
    const rows = await db.customer.findMany({ where, orderBy, take });
    return rows.map(toRecord);
  },

  count(db: Db, where: Prisma.CustomerWhereInput): Promise<number> {
    return db.customer.count({ where });
  },
};
