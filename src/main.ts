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
  let seeded: Awaited<ReturnType<typeof seedDemo>> = null;
  if (opts.demo) {
    seeded = await seedDemo(db, { config, logger, onlyIfEmpty: true, progress: process.stderr.isTTY });
    if (seeded) logger.info({ customers: seeded.customers, touchpoints: seeded.touchpoints }, 'demo data loaded');
  }
  const server = await startServer({ config, db, logger });
  logger.info({ url: server.url, database: db.kind, pubsub: config.redisUrl ? 'redis' : 'memory' }, 'listening');
  // First start with the demo: a write key so the Segment door can be tried at once. Later starts
  // never make another (the key was shown once; `cdp keys create` makes more).
  const demoKey = opts.demo && seeded ? await server.services.apiKeys.create({ name: 'demo', role: 'WRITER' }) : null;
  // Every demo start: a fresh ADMIN key for GraphQL (keys are shown once, so a restart cannot show the
  // old one). Without --demo nothing is made: a real deployment makes its keys on purpose.
  const adminKey = opts.demo ? await server.services.apiKeys.create({ name: 'demo-admin', role: 'ADMIN' }) : null;
  const admin = adminKey?.ok ? adminKey.value.key : null;
  process.stdout.write(
    `\nCDP server ready at ${server.url} (WebSocket ${server.wsUrl})\n` +
      `Console (open in a browser, sign in with an API key): ${server.consoleUrl}\n` +
      (admin
        ? `Demo ADMIN key (new at each demo start; shown only this once, stored hashed):\n  ${admin}\n` +
          `Try:\n  curl -s ${server.url} -H 'content-type: application/json' -H 'authorization: Bearer ${admin}' \\\n` +
          `    -d '${JSON.stringify({ query: EXAMPLE_QUERY })}'\n\n`
        : `GraphQL needs an API key (Authorization: Bearer <key>). Make one with \`npx cdp keys create --role ADMIN --name me\`\n` +
          `(with the embedded database, stop the server first).\n\n`) +
      (opts.demo ? segmentBanner(server.url.replace(/\/graphql$/, ''), demoKey?.ok ? demoKey.value.key : null) : ''),
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

/** How to send Segment-style events: with the demo write key when one was just made, else how to make one. */
function segmentBanner(baseUrl: string, key: string | null): string {
  const track = `${baseUrl}/v1/track`;
  const body = JSON.stringify({ userId: 'demo-user-1', event: 'Order Completed', properties: { revenue: 42.5, currency: 'USD' } });
  if (key) {
    return (
      `Demo write key (shown only this once; it is stored hashed):\n  ${key}\n` +
      `Send an event the way Segment clients do:\n  curl -s ${track} -u '${key}:' -H 'content-type: application/json' \\\n    -d '${body}'\n\n`
    );
  }
  return (
    `Segment-compatible events go to ${baseUrl}/v1/{track,identify,page,screen,group,alias,batch} with a write key.\n` +
    `Make one with \`npx cdp keys create --role WRITER --name my-app\` (with the embedded database, stop the server first).\n\n`
  );
}
