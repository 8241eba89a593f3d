/**
 * Monthly partitioning of the history tables (docs/scaling.md#partitioning): rows land in their
 * month's partition, months are made ahead and take their rows out of DEFAULT, a resend is caught
 * however old its original, retention drops whole months (export and erasure still work), and
 * migration 0016 moves an existing database's rows without losing or renumbering any.
 */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateSegmentDocument, EraseCustomerDocument, ExportCustomerDocument, RecordTouchpointsDocument, type TouchpointInput } from '../generated/graphql.ts';
import { openDatabase, type Database } from '../../src/db/client.ts';
import { listMigrations, migrate } from '../../src/db/migrate.ts';
import { testClock } from '../helpers/clock.ts';
import { databaseConfig, dbKinds, dropDatabase } from '../helpers/databases.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const MIGRATIONS = path.resolve(import.meta.dirname, '../../prisma/migrations');
const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;

/** The partition a row of `at` belongs in, by hand: its UTC month when that month has one, else DEFAULT. */
function expectedPartition(table: string, at: Date, months: Set<string>): string {
  const m = `${at.getUTCFullYear()}_${String(at.getUTCMonth() + 1).padStart(2, '0')}`;
  return months.has(m) ? `${table}_p${m}` : `${table}_default`;
}

async function partitionsOf(db: Database, table: string): Promise<string[]> {
  const rows = await db.prisma.$queryRawUnsafe<{ name: string }[]>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = to_regclass($1) ORDER BY 1`,
    table,
  );
  return rows.map((r) => r.name);
}

async function whereStored(db: Database): Promise<Map<string, string>> {
  const rows = await db.prisma.$queryRawUnsafe<{ message_id: string; part: string }[]>(`SELECT message_id, tableoid::regclass::text AS part FROM touchpoint`);
  return new Map(rows.map((r) => [r.message_id, r.part.replace(/^.*\./, '')]));
}

describe.each(dbKinds)('monthly partitions on %s', (kind) => {
  let t: TestServer;
  const clock = testClock('2026-01-15T12:00:00Z');
  // Every touchpoint the test stores, by message id, with its time: the reference the checks read.
  const sent = new Map<string, Date>();

  const record = async (input: TouchpointInput[]) => {
    const r = (await t.ok(RecordTouchpointsDocument, { input })).recordTouchpoints;
    for (const [i, res] of r.results.entries()) if (res.status === 'ACCEPTED') sent.set(input[i]!.messageId!, new Date(input[i]!.occurredAt as string));
    return r;
  };
  const track = (body: Record<string, unknown>) =>
    fetch(`${t.baseUrl}/v1/track`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: basic(t.keys.WRITER) }, body: JSON.stringify(body) });

  beforeAll(async () => {
    t = await startTestServer(
      kind,
      { partitions: { monthsAhead: 3, maintainMs: 86_400_000, retentionMonths: { touchpoint: 3, audit_log: 3, failed_event: 3 } } },
      { clock: clock.now },
    );
  });
  afterAll(() => t?.stop());

  it('the server made the current month and three ahead for every table at start', async () => {
    for (const table of ['touchpoint', 'membership_change', 'failed_event', 'audit_log']) {
      expect(await partitionsOf(t.db, table)).toEqual([`${table}_default`, `${table}_p2026_01`, `${table}_p2026_02`, `${table}_p2026_03`, `${table}_p2026_04`]);
    }
  });

  it('touchpoints land in the partition of their month, others in DEFAULT', async () => {
    const times = ['2025-12-31T23:59:59.999Z', '2026-01-01T00:00:00Z', '2026-01-20T08:00:00+08:00', '2026-02-14T10:00:00Z', '2026-03-31T23:30:00-01:00', '2026-04-30T23:59:59.999Z', '2026-05-01T00:00:00Z', '2026-05-20T00:00:00Z'];
    const input: TouchpointInput[] = times.map((at, i) => ({ messageId: `m-${i}`, event: 'Viewed', userId: `u-${i % 3}`, occurredAt: at }));
    expect(await record(input)).toMatchObject({ accepted: times.length });
    const months = new Set(['2026_01', '2026_02', '2026_03', '2026_04']);
    const stored = await whereStored(t.db);
    for (const [id, at] of sent) expect(stored.get(id), id).toBe(expectedPartition('touchpoint', at, months));
    // The -01:00 time is 00:30 on 1 April in UTC: months are UTC months.
    expect(stored.get('m-4')).toBe('touchpoint_p2026_04');
    expect(stored.get('m-0')).toBe('touchpoint_default');
  });

  it('ensureMonths makes months ahead and past, moving their rows out of DEFAULT, and is idempotent', async () => {
    const before = await t.db.prisma.touchpoint.findMany({ orderBy: { id: 'asc' } });
    clock.set('2026-02-10T00:00:00Z');
    const r = await t.server.services.partitions.ensureMonths({ from: new Date('2025-12-01T00:00:00Z') });
    const made = r.created.filter((c) => c.table === 'touchpoint');
    expect(made.map((c) => [c.name, c.movedFromDefault])).toEqual([
      ['touchpoint_p2025_12', 1],
      ['touchpoint_p2026_05', 2],
    ]);
    const months = new Set(['2025_12', '2026_01', '2026_02', '2026_03', '2026_04', '2026_05']);
    const stored = await whereStored(t.db);
    for (const [id, at] of sent) expect(stored.get(id), id).toBe(expectedPartition('touchpoint', at, months));
    expect([...stored.values()]).not.toContain('touchpoint_default');
    // Moving changed no row.
    expect(await t.db.prisma.touchpoint.findMany({ orderBy: { id: 'asc' } })).toEqual(before);
    expect((await t.server.services.partitions.ensureMonths({ from: new Date('2025-12-01T00:00:00Z') })).created).toEqual([]);
    // Two processes at once: the lock lets one make each month, the other finds it made.
    clock.set('2026-03-10T00:00:00Z');
    const [a, b] = await Promise.all([t.server.services.partitions.ensureMonths(), t.server.services.partitions.ensureMonths()]);
    expect([...a.created, ...b.created].filter((c) => c.table === 'touchpoint').map((c) => c.name)).toEqual(['touchpoint_p2026_06']);
  });

  it('a resend is a duplicate however old the partition of its original (GraphQL and /v1)', async () => {
    const old = await record([{ messageId: 'old-1', event: 'Order Completed', userId: 'u-old', occurredAt: '2025-12-05T00:00:00Z' }]);
    expect(old).toMatchObject({ accepted: 1 });
    const v1 = await track({ messageId: 'old-v1', userId: 'u-old', event: 'Order Completed', timestamp: '2026-01-05T00:00:00Z' });
    expect(await v1.json()).toMatchObject({ accepted: 1, duplicates: 0 });
    sent.set('old-v1', new Date('2026-01-05T00:00:00Z'));
    expect((await whereStored(t.db)).get('old-1')).toBe('touchpoint_p2025_12');
    // Months later, with new months made since.
    clock.set('2026-06-20T00:00:00Z');
    await t.server.services.partitions.ensureMonths();
    const again = await record([{ messageId: 'old-1', event: 'Order Completed', userId: 'u-old', occurredAt: '2026-06-20T00:00:00Z' }]);
    expect(again).toMatchObject({ accepted: 0, duplicates: 1 });
    const v1Again = await track({ messageId: 'old-v1', userId: 'u-old', event: 'Order Completed', timestamp: '2026-06-20T00:00:00Z' });
    expect(await v1Again.json()).toMatchObject({ accepted: 0, duplicates: 1 });
    expect(await t.db.prisma.touchpoint.count({ where: { messageId: { in: ['old-1', 'old-v1'] } } })).toBe(2);
  });

  it('dropExpired drops whole months past retention and DEFAULT rows before the cut-off; export and erasure still work', async () => {
    // Rows for the other tables: audit entries (their time is the clock's) and quarantined events.
    await t.db.prisma.failedEvent.createMany({
      data: [
        { reason: 'test', payload: {}, receivedAt: new Date('2026-01-03T00:00:00Z') },
        { reason: 'test', payload: {}, receivedAt: new Date('2026-06-03T00:00:00Z') },
        { reason: 'test', payload: {}, receivedAt: new Date('2020-06-03T00:00:00Z') }, // DEFAULT
      ],
    });
    clock.set('2026-01-20T00:00:00Z');
    const seg = await t.ok(CreateSegmentDocument, { input: { name: 'viewers', rule: { event: 'Viewed' } } });
    expect(seg.createSegment.id).toBeTruthy();
    const outboxJan = await t.db.prisma.membershipChange.count({ where: { at: { lt: new Date('2026-02-01T00:00:00Z') } } });
    expect(outboxJan).toBeGreaterThan(0);
    clock.set('2026-08-15T00:00:00Z');
    const recent: TouchpointInput[] = [
      { messageId: 'new-1', event: 'Viewed', userId: 'u-1', occurredAt: '2026-08-01T00:00:00Z' },
      { messageId: 'new-2', event: 'Viewed', userId: 'u-old', occurredAt: '2026-07-31T23:59:59Z', properties: { note: 'personal' } },
    ];
    await record(recent);
    await t.server.services.partitions.ensureMonths();
    const auditBefore = await t.db.prisma.auditLog.findMany({ orderBy: { id: 'asc' } });
    expect(auditBefore.some((a) => a.at < new Date('2026-05-01T00:00:00Z'))).toBe(true);

    // Retention 3 months at 15 August: May, June, July and August are kept.
    const cutoff = new Date('2026-05-01T00:00:00Z');
    const r = await t.server.services.partitions.dropExpired();
    const droppedTp = r.dropped.filter((d) => d.table === 'touchpoint').map((d) => d.name);
    expect(droppedTp).toEqual(['touchpoint_p2025_12', 'touchpoint_p2026_01', 'touchpoint_p2026_02', 'touchpoint_p2026_03', 'touchpoint_p2026_04']);
    const kept = [...sent].filter(([, at]) => at >= cutoff).map(([id]) => id).sort();
    const left = (await t.db.prisma.touchpoint.findMany({ select: { messageId: true } })).map((x) => x.messageId).sort();
    expect(left).toEqual(kept);
    expect(kept.length).toBeGreaterThan(2);
    expect((await t.db.prisma.auditLog.findMany({ orderBy: { id: 'asc' } })).map((a) => a.id)).toEqual(auditBefore.filter((a) => a.at >= cutoff).map((a) => a.id));
    expect((await t.db.prisma.failedEvent.findMany({ where: { reason: 'test' } })).map((f) => f.receivedAt.toISOString())).toEqual(['2026-06-03T00:00:00.000Z']);
    expect(r.deletedFromDefault).toContainEqual({ table: 'failed_event', rows: 1 });
    // The outbox's January month still holds rows above the prune horizon: kept until they are pruned.
    expect(await partitionsOf(t.db, 'membership_change')).toContain('membership_change_p2026_01');
    expect(r.dropped.filter((d) => d.table === 'membership_change').map((d) => d.name)).not.toContain('membership_change_p2026_01');
    const pruned = await t.server.services.segments.pruneOutbox();
    expect(pruned.deleted).toBe(outboxJan);
    const r2 = await t.server.services.partitions.dropExpired();
    expect(r2.dropped.filter((d) => d.table === 'membership_change').map((d) => d.name)).toContain('membership_change_p2026_01');
    expect(r2.dropped.filter((d) => d.table !== 'membership_change')).toEqual([]);

    // A customer with old (dropped) and new touchpoints: export shows what is left, erasure works.
    const owner = await t.db.prisma.touchpoint.findFirstOrThrow({ where: { messageId: 'new-2' } });
    const exported = (await t.ok(ExportCustomerDocument, { id: owner.customerId })).exportCustomer as { touchpoints: { messageId: string }[] };
    expect(exported.touchpoints.map((x) => x.messageId)).toEqual(['new-2']);
    const erased = (await t.ok(EraseCustomerDocument, { id: owner.customerId })).eraseCustomer;
    expect(erased).toMatchObject({ alreadyErased: false, touchpointsScrubbed: 1 });
    expect((await t.db.prisma.touchpoint.findFirstOrThrow({ where: { messageId: 'new-2' } })).properties).toEqual({});
  });
});

describe.each(dbKinds)('migration 0016 on %s', (kind) => {
  const config = databaseConfig(kind);
  let db: Database;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'cdp-migrations-'));
    for (const name of (await listMigrations(MIGRATIONS)).filter((n) => n < '0016')) await cp(path.join(MIGRATIONS, name), path.join(dir, name), { recursive: true });
    db = await openDatabase(config);
  });
  afterAll(async () => {
    await db?.close();
    await dropDatabase(config);
    await rm(dir, { recursive: true, force: true });
  });

  const indexes = async () =>
    (
      await db.prisma.$queryRawUnsafe<{ table: string; name: string; def: string }[]>(
        `SELECT tablename AS table, indexname AS name, indexdef AS def FROM pg_indexes
         WHERE schemaname = current_schema() AND tablename IN ('touchpoint', 'membership_change', 'failed_event', 'audit_log') ORDER BY 1, 2`,
      )
    ).map((i) => ({ ...i, def: i.def.replace(/ [a-z_0-9]+\.(touchpoint|membership_change|failed_event|audit_log) /, ' $1 ') }));
  const all = (table: string, key: string) => db.prisma.$queryRawUnsafe<Record<string, unknown>[]>(`SELECT * FROM ${table} ORDER BY ${key}`);
  const where = (table: string) => db.prisma.$queryRawUnsafe<{ part: string; n: number }[]>(`SELECT tableoid::regclass::text AS part, count(*)::int AS n FROM ${table} GROUP BY 1 ORDER BY 1`);

  it('moves every row of the four tables into month partitions; sequences carry on', async () => {
    await migrate(db, dir);
    expect(await partitionsOf(db, 'touchpoint')).toEqual([]);
    const customers = ['11111111-1111-4111-8111-111111111111', '22222222-2222-4222-8222-222222222222'];
    for (const id of customers) await db.prisma.$executeRawUnsafe(`INSERT INTO customer (id) VALUES ($1::uuid)`, id);
    // Touchpoints in Nov 2025 .. Feb 2026 with a gap in January, and one at a month boundary.
    const times = ['2025-11-03T00:00:00Z', '2025-11-30T23:59:59.999Z', '2025-12-01T00:00:00Z', '2026-02-28T12:00:00Z'];
    for (const [i, at] of times.entries()) {
      await db.prisma.$executeRawUnsafe(
        `INSERT INTO touchpoint (id, message_id, customer_id, type, event, channel, occurred_at, properties) VALUES (gen_random_uuid(), $1, $2::uuid, 'TRACK', 'E', 'WEB', $3::timestamptz, $4::jsonb)`,
        `mig-${i}`, customers[i % 2], at, JSON.stringify({ i }),
      );
      await db.prisma.$executeRawUnsafe(`INSERT INTO touchpoint_dedup (source, message_id, touchpoint_id) SELECT '', message_id, id FROM touchpoint WHERE message_id = $1`, `mig-${i}`);
    }
    for (const at of ['2025-12-10T00:00:00Z', '2026-01-10T00:00:00Z', '2026-01-11T00:00:00Z']) {
      await db.prisma.$executeRawUnsafe(`INSERT INTO membership_change (segment_id, customer_id, change, at) VALUES (gen_random_uuid(), $1::uuid, 'ENTERED', $2::timestamptz)`, customers[0], at);
      await db.prisma.$executeRawUnsafe(`INSERT INTO audit_log (action, target, at) VALUES ('test', 'x', $1::timestamptz)`, at);
      await db.prisma.$executeRawUnsafe(`INSERT INTO failed_event (id, reason, payload, received_at) VALUES (gen_random_uuid(), 'r', '{}', $1::timestamptz)`, at);
    }
    // A deleted row: its seq is used, and must not come back after the migration.
    await db.prisma.$executeRawUnsafe(`INSERT INTO membership_change (segment_id, customer_id, change, at) VALUES (gen_random_uuid(), $1::uuid, 'LEFT', '2026-01-12T00:00:00Z')`, customers[0]);
    await db.prisma.$executeRawUnsafe(`DELETE FROM membership_change WHERE change = 'LEFT'`);
    const indexesBefore = await indexes();
    const before = {
      touchpoint: await all('touchpoint', 'id'),
      membership_change: await all('membership_change', 'seq'),
      audit_log: await all('audit_log', 'id'),
      failed_event: await all('failed_event', 'id'),
      touchpoint_dedup: await all('touchpoint_dedup', 'message_id'),
    };

    // Exactly 0016 on top: later migrations add columns and indexes of their own.
    const name0016 = (await listMigrations(MIGRATIONS)).find((n) => n.startsWith('0016_'))!;
    await cp(path.join(MIGRATIONS, name0016), path.join(dir, name0016), { recursive: true });
    const report = await migrate(db, dir);
    expect(report.applied).toEqual(['0016_partition_by_month']);
    for (const [table, rows] of Object.entries(before)) {
      expect(await all(table, table === 'membership_change' ? 'seq' : table === 'touchpoint_dedup' ? 'message_id' : 'id'), table).toEqual(rows);
    }
    // Every month from the first to the last row's has a partition, the gap month included.
    expect(await partitionsOf(db, 'touchpoint')).toEqual(['touchpoint_default', 'touchpoint_p2025_11', 'touchpoint_p2025_12', 'touchpoint_p2026_01', 'touchpoint_p2026_02']);
    const tp = await where('touchpoint');
    expect(tp.map((r) => [r.part.replace(/^.*\./, ''), r.n])).toEqual([['touchpoint_p2025_11', 2], ['touchpoint_p2025_12', 1], ['touchpoint_p2026_02', 1]]);
    for (const table of ['membership_change', 'audit_log', 'failed_event']) {
      expect((await where(table)).map((r) => [r.part.replace(/^.*\./, ''), r.n]), table).toEqual([[`${table}_p2025_12`, 1], [`${table}_p2026_01`, 2]]);
    }
    // Numbering continues past every seq and id ever taken (the deleted LEFT row's included).
    const maxSeq = BigInt(String((before.membership_change.at(-1) as { seq: bigint }).seq));
    const [next] = await db.prisma.$queryRawUnsafe<{ seq: bigint }[]>(`INSERT INTO membership_change (segment_id, customer_id, change) VALUES (gen_random_uuid(), $1::uuid, 'ENTERED') RETURNING seq`, customers[0]);
    expect(BigInt(next!.seq)).toBe(maxSeq + 2n);
    const [audit] = await db.prisma.$queryRawUnsafe<{ id: bigint }[]>(`INSERT INTO audit_log (action) VALUES ('after') RETURNING id`);
    expect(BigInt(audit!.id)).toBe(BigInt(String((before.audit_log.at(-1) as { id: bigint }).id)) + 1n);
    // Every index came along as it was (whatever earlier migrations added); primary keys gained the
    // partition column. The customer foreign key too: deleting a customer still cascades.
    const pkeys = { touchpoint: '(id, occurred_at)', membership_change: '(seq, at)', audit_log: '(id, at)', failed_event: '(id, received_at)' };
    const expected = indexesBefore.map((i) => (i.name.endsWith('_pkey') ? { ...i, def: i.def.replace(/^CREATE UNIQUE INDEX (\S+) ON (\S+) USING btree \(.*\)$/, (_, n, t) => `CREATE UNIQUE INDEX ${n} ON ONLY ${t} USING btree ${pkeys[i.table as keyof typeof pkeys]}`) } : { ...i, def: i.def.replace(' ON ', ' ON ONLY ') }));
    expect(await indexes()).toEqual(expected);
    expect(indexesBefore.map((i) => i.name)).toContain('touchpoint_customer_id_occurred_at_idx');
    await db.prisma.$executeRawUnsafe(`DELETE FROM customer WHERE id = $1::uuid`, customers[1]);
    expect(await db.prisma.touchpoint.count()).toBe(2);
  });
});
