/** `cdp` command line: serve, migrate, seed. */
import { Command } from 'commander';
import { ConfigError, loadConfig } from '../config/env.ts';
import { DataDirLockedError } from '../db/lock.ts';
import { openDatabase } from '../db/client.ts';
import { migrate } from '../db/migrate.ts';
import { createLogger } from '../logger.ts';
import { serve } from '../main.ts';
import { seedDemo } from './seed.ts';

async function withDatabase<T>(fn: (ctx: { db: Awaited<ReturnType<typeof openDatabase>>; config: ReturnType<typeof loadConfig>; logger: ReturnType<typeof createLogger> }) => Promise<T>) {
  const config = loadConfig();
  const logger = createLogger(config);
  const db = await openDatabase(config.database);
  try {
    await migrate(db);
    return await fn({ db, config, logger });
  } finally {
    await db.close();
  }
}

const program = new Command('cdp').description('Customer-data platform server');

program
  .command('serve')
  .description('apply migrations and serve GraphQL on PORT')
  .option('--demo', 'load the demo data set first when the database is empty')
  .action((o: { demo?: boolean }) => serve({ demo: o.demo }));

program
  .command('migrate')
  .description('apply pending migrations and exit')
  .action(() =>
    withDatabase(async ({ db }) => {
      const r = await migrate(db);
      console.log(r.applied.length ? `applied ${r.applied.join(', ')}` : `up to date (${r.total} migrations)`);
    }),
  );

program
  .command('seed')
  .description('load data sets')
  .requiredOption('--demo', 'the generated demo data set')
  .option('--customers <n>', 'how many customers', (v) => Number.parseInt(v, 10), 2000)
  .option('--force', 'seed even when the database already has customers')
  .action((o: { customers: number; force?: boolean }) =>
    withDatabase(async ({ db, config, logger }) => {
      const r = await seedDemo(db, { config, logger, customers: o.customers, onlyIfEmpty: !o.force, progress: true });
      console.log(r ? `seeded ${r.customers} customers, ${r.touchpoints} touchpoints` : 'database already has customers; use --force');
    }),
  );

try {
  await program.parseAsync(process.argv);
} catch (err) {
  // Expected start-up failures get one clear line, not a stack trace.
  if (err instanceof ConfigError || err instanceof DataDirLockedError) {
    console.error(`cdp: ${err.message}`);
    process.exit(1);
  }
  throw err;
}
