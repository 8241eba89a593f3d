/**
 * Leader election: recurring jobs (segment re-check, alert checker, outbox pruning) run in one
 * process per database. On PostgreSQL the leader is the process holding a session-level advisory
 * lock on a connection of its own (outside the pool); the lock lives exactly as long as that
 * connection, so when the leader dies (or its connection drops) PostgreSQL releases it and a follower,
 * which tries every `intervalMs`, takes over within about two intervals. The leader checks its
 * connection every interval and steps down as soon as it is lost.
 *
 * The key is derived from the schema, so deployments (or test databases) in different schemas of one
 * PostgreSQL database elect their leaders independently.
 *
 * On PGlite there is one process per data directory (a second is refused), so that process is
 * always the leader.
 */
import type { Database, DedicatedSession } from './client.ts';
import type { Logger } from '../logger.ts';

export interface Leadership {
  readonly isLeader: boolean;
  stop(): Promise<void>;
}

const LOCK_KEY_SQL = `hashtextextended('cdp:leader:' || current_schema(), 0)`;

export function startLeaderElection(db: Database, opts: { intervalMs: number; logger: Logger; onChange?: (leader: boolean) => void }): Leadership {
  const log = opts.logger.child({ module: 'leader' });
  const set = (leader: boolean, why: Record<string, unknown>) => {
    if (state.isLeader === leader) return;
    state.isLeader = leader;
    opts.onChange?.(leader);
    if (leader) log.info({ pid: process.pid, ...why }, 'became leader: this process runs the recurring jobs');
    else log.warn({ pid: process.pid, ...why }, 'no longer leader: recurring jobs stop here');
  };
  const state = { isLeader: false };

  if (!db.dedicatedSession) {
    set(true, { database: db.kind, reason: 'one process per embedded data directory' });
    return {
      get isLeader() {
        return state.isLeader;
      },
      async stop() {},
    };
  }

  let session: DedicatedSession | null = null;
  let stopped = false;
  let running: Promise<void> | null = null;
  const drop = async (why: Record<string, unknown>) => {
    const s = session;
    session = null;
    set(false, why);
    await s?.close();
  };
  const tick = async () => {
    try {
      session ??= await db.dedicatedSession!((err) => void drop({ reason: 'lock connection lost', err: err.message }));
      if (state.isLeader) {
        await session.query('SELECT 1');
        return;
      }
      const [row] = await session.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock(${LOCK_KEY_SQL}) AS ok`);
      if (row?.ok) set(true, { database: db.kind });
    } catch (err) {
      if (!stopped) await drop({ reason: 'leader check failed', err: (err as Error).message });
    }
  };
  const run = () => {
    if (running || stopped) return;
    running = tick().finally(() => (running = null));
  };
  run();
  const timer = setInterval(run, opts.intervalMs);
  timer.unref();
  return {
    get isLeader() {
      return state.isLeader;
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
      // Closing the connection releases the lock at once: a follower need not wait for a timeout.
      await drop({ reason: 'shutting down' });
    },
  };
}
