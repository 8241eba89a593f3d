/**
 * Analytics time arithmetic (`occurred_at - make_interval(days => n)`, date_trunc, ::date) follows the
 * database session's TimeZone; docs/analytics.md defines days and periods in UTC. The server must get
 * UTC on every connection even where the database's default is another zone. Each server here runs
 * on a database whose default zone is America/New_York: for PGlite a data directory of its own with
 * ALTER SYSTEM SET TimeZone (PGlite reads postgresql.auto.conf at start, but not ALTER DATABASE or ALTER
 * ROLE settings); for PostgreSQL a role of its own with ALTER ROLE … SET TimeZone (a new role, so no
 * other test's connections change), dropped afterwards.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/env.ts';
import { testEnv } from '../../src/config/env.ts';
import { openDatabase } from '../../src/db/client.ts';
import { AttributionDocument } from '../generated/graphql.ts';
import { dbKinds, dropDatabase, pgliteSnapshot, type DbKind } from '../helpers/databases.ts';
import { recordAll } from '../helpers/record.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const ZONE = 'America/New_York';
/** A date style whose text output is not ISO (09/12/1906): a birthday read as text would not parse. */
const DATE_STYLE = 'SQL, DMY';

/** A database whose sessions start in ZONE unless the client says otherwise, and how to remove it. */
async function nonUtcDatabase(kind: DbKind): Promise<{ database: Config['database']; cleanup: () => Promise<void> }> {
  if (kind === 'pglite') {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'cdp-tz-'));
    const db = await openDatabase({ kind: 'pglite', dataDir }, { pgliteSnapshot: await pgliteSnapshot() });
    const session = await db.session();
    await session.exec(`ALTER SYSTEM SET TimeZone = '${ZONE}'`);
    await session.exec(`ALTER SYSTEM SET DateStyle = '${DATE_STYLE}'`);
    await session.release();
    await db.close();
    return { database: { kind: 'pglite', dataDir }, cleanup: async () => rmSync(dataDir, { recursive: true, force: true }) };
  }
  const admin = new pg.Client({ connectionString: testEnv().databaseUrl! });
  await admin.connect();
  const role = `cdp_tz_${randomBytes(4).toString('hex')}`;
  const [{ db }] = (await admin.query<{ db: string }>('SELECT current_database() AS db')).rows;
  await admin.query(`CREATE ROLE "${role}" LOGIN`);
  await admin.query(`ALTER ROLE "${role}" SET TimeZone = '${ZONE}'`);
  await admin.query(`ALTER ROLE "${role}" SET DateStyle = '${DATE_STYLE}'`);
  await admin.query(`GRANT CONNECT, CREATE ON DATABASE "${db}" TO "${role}"`);
  const url = new URL(testEnv().databaseUrl!);
  url.username = role;
  url.password = '';
  const database: Config['database'] = { kind: 'postgres', url: url.toString(), schema: `t_${randomBytes(6).toString('hex')}` };
  return {
    database,
    cleanup: async () => {
      try {
        await dropDatabase(database);
        await admin.query(`DROP OWNED BY "${role}"`);
        await admin.query(`DROP ROLE "${role}"`);
      } finally {
        await admin.end();
      }
    },
  };
}

describe.each(dbKinds)('session time zone on %s', (kind) => {
  let t: TestServer;
  let cleanup: () => Promise<void> = async () => {};
  beforeAll(async () => {
    const made = await nonUtcDatabase(kind);
    cleanup = made.cleanup;
    t = await startTestServer(kind, {}, { database: made.database });
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
    await cleanup();
  });

  it('is UTC on every connection, though the database default is another zone', async () => {
    // Pooled connections: more than one, so more than the first connection is seen.
    const zones = await Promise.all(Array.from({ length: 4 }, () => t.db.prisma.$queryRaw<{ TimeZone: string }[]>`SHOW TimeZone`));
    expect(zones.map((z) => z[0]!.TimeZone)).toEqual(['UTC', 'UTC', 'UTC', 'UTC']);
    // Dates written as text in ISO order, which the rule evaluator parses (a birthday), whatever the default.
    const styles = await Promise.all(Array.from({ length: 4 }, () => t.db.prisma.$queryRaw<{ d: string }[]>`SELECT DATE '1906-12-09'::text AS d`));
    expect(styles.map((x) => x[0]!.d)).toEqual(Array(4).fill('1906-12-09'));
    const session = await t.db.session();
    try {
      expect(await session.query('SHOW TimeZone')).toEqual([{ TimeZone: 'UTC' }]);
    } finally {
      await session.release();
    }
    if (t.db.dedicatedSession) {
      const dedicated = await t.db.dedicatedSession(() => {});
      try {
        expect(await dedicated.query('SHOW TimeZone')).toEqual([{ TimeZone: 'UTC' }]);
      } finally {
        await dedicated.close();
      }
    }
  });

  it('a one-day lookback is 24 hours across a daylight-saving change of the default zone', async () => {
    // New York moved its clocks forward on 2024-03-10 (2:00 local). A conversion at 2024-03-10 12:00Z with
    // lookbackDays 1 reaches back to 2024-03-09 12:00Z in UTC, so the touch at 12:30Z belongs to it. One day
    // before 08:00 EDT in New York time would be 08:00 EST = 13:00Z, and leave the touch out.
    await recordAll(t, [
      { messageId: 'tz-touch', userId: 'tz-a', event: 'Tz Visit', channel: 'EMAIL', occurredAt: '2024-03-09T12:30:00Z' },
      { messageId: 'tz-buy', userId: 'tz-a', event: 'Tz Buy', channel: 'OTHER', revenue: 10, occurredAt: '2024-03-10T12:00:00Z' },
    ]);
    const a = (await t.ok(AttributionDocument, { scope: { from: '2024-03-01T00:00:00Z', to: '2024-03-11T00:00:00Z' }, conversionEvent: 'Tz Buy', lookbackDays: 1, models: ['LAST_TOUCH'] }))
      .attribution;
    expect(a).toMatchObject({ conversions: 1, attributedConversions: 1, unattributed: { conversions: 0 } });
    expect(a.models[0]!.channels.filter((c) => c.conversions > 0).map((c) => c.channel)).toEqual(['EMAIL']);
  });
});
