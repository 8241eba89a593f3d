/**
 * Start-up: config → logger → database (+ migrations, + demo data when asked and empty) → servers →
 * listen. SIGINT/SIGTERM stop in reverse order and exit 0; a second signal, or a drain longer than
 * SHUTDOWN_GRACE_MS, exits at once.
 */
import { loadConfig, ConfigError, type Config } from './config/env.ts';
import { openDatabase } from './db/client.ts';
import { DataDirLockedError } from './db/lock.ts';
import { migrate } from './db/migrate.ts';
import { createLogger } from './logger.ts';
import { startServer } from './server.ts';
import { seedDemo } from './cli/seed.ts';

const EXAMPLE_QUERY = '{ customers(first: 5) { totalCount edges { node { id email identities { type value } stats { channels } } } } }';

export async function serve(opts: { demo?: boolean; config?: Config } = {}): Promise<void> {
  let config: Config;
  try {
    config = opts.config ?? loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger(config);
  let db;
  try {
    db = await openDatabase(config.database);
  } catch (err) {
    if (err instanceof DataDirLockedError) {
      logger.fatal(err.message);
      process.exit(1);
    }
    throw err;
  }
  const report = await migrate(db);
  logger.info({ applied: report.applied, database: db.kind }, 'database ready');
  if (opts.demo) {
    const seeded = await seedDemo(db, { config, logger, onlyIfEmpty: true, progress: process.stderr.isTTY });
    if (seeded) logger.info({ customers: seeded.customers, touchpoints: seeded.touchpoints }, 'demo data loaded');
  }
  const server = await startServer({ config, db, logger });
  logger.info({ url: server.url, database: db.kind, pubsub: config.redisUrl ? 'redis' : 'memory' }, 'listening');
  process.stdout.write(
    `\nCDP server ready at ${server.url} (WebSocket ${server.wsUrl})\n` +
      `Try:\n  curl -s ${server.url} -H 'content-type: application/json' \\\n` +
      `    -d '${JSON.stringify({ query: EXAMPLE_QUERY })}'\n\n`,
  );

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error('shutdown took too long, exiting');
      process.exit(1);
    }, config.shutdownGraceMs);
    force.unref();
    try {
      await server.stop();
      await db.close();
      logger.info('stopped');
      process.exit(0);
    } catch (err) {
      logger.error({ err }, 'error while shutting down');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}
