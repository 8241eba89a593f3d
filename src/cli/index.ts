/**
 * `cdp` command line: serve, migrate, seed, keys, partitions, import.
 *
 * Only commander and the import code load at start: each server-side command imports ./runtime.ts
 * (config, database, services, the GraphQL server) in its action. `cdp import` runs as a client of a
 * running server and never needs them; loading them took about 8 s per process.
 */
import { Command } from 'commander';
import type { Config } from '../config/env.ts';
import { ApiKeyRole } from '../generated/prisma/enums.ts';
import { UserError } from '../errors.ts';
import { parseMonth } from '../modules/system/partition.months.ts';
import { registerImportCommand } from './import/import-command.ts';
import type { Database, Logger } from './runtime.ts';

const runtime = () => import('./runtime.ts');

async function withDatabase<T>(fn: (ctx: { db: Database; config: Config; logger: Logger; rt: Awaited<ReturnType<typeof runtime>> }) => Promise<T>) {
  const rt = await runtime();
  const config = rt.loadConfig();
  const logger = rt.createLogger(config);
  const db = await rt.openDatabase(config.database);
  try {
    await rt.migrate(db);
    return await fn({ db, config, logger, rt });
  } finally {
    await db.close();
  }
}

/** Key operations made here are on record like those made over GraphQL, with "cli" as the actor. */
async function cliAudit(db: Database, logger: Logger, action: string, target: string, outcome = 'ok') {
  const { AuditService } = await runtime();
  return new AuditService(db, { logger, clock: () => new Date() }).record({ apiKeyId: null, actor: 'cli', action, target, outcome, requestId: null, details: {} });
}

const program = new Command('cdp').description('Customer-data platform server');

program
  .command('serve')
  .description('apply migrations and serve GraphQL on PORT')
  .option('--demo', 'load the demo data set first when the database is empty')
  .action(async (o: { demo?: boolean }) => (await runtime()).serve({ demo: o.demo }));

program
  .command('migrate')
  .description('apply pending migrations and exit')
  .action(() =>
    withDatabase(async ({ db, rt }) => {
      const r = await rt.migrate(db);
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
    withDatabase(async ({ db, config, logger, rt }) => {
      const r = await rt.seedDemo(db, { config, logger, customers: o.customers, onlyIfEmpty: !o.force, progress: true });
      console.log(r ? `seeded ${r.customers} customers, ${r.touchpoints} touchpoints` : 'database already has customers; use --force');
    }),
  );

const keys = program.command('keys').description('API keys (Bearer keys for GraphQL, write keys for /v1/*); with the embedded database, stop the server first');

keys
  .command('create')
  .description('create a key and print it once (only its hash is stored)')
  .requiredOption('--name <name>', 'who or what uses it, e.g. "web-app"')
  .option('--role <role>', `one of ${Object.values(ApiKeyRole).join(', ')}`, 'WRITER')
  .action((o: { name: string; role: string }) =>
    withDatabase(async ({ db, config, logger, rt }) => {
      const r = await new rt.ApiKeyService(db, { logger }).create({ name: o.name, role: o.role });
      if (!r.ok) {
        console.error(`cdp: ${r.message}`);
        process.exitCode = 1;
        return;
      }
      const { apiKey, key } = r.value;
      await cliAudit(db, logger, 'createApiKey', apiKey.id);
      console.log(`created ${apiKey.role} key "${apiKey.name}" (id ${apiKey.id}); it is shown only this once:\n\n  ${key}\n`);
      if (apiKey.role === 'WRITER')
        console.log(`Send events with it as the HTTP Basic user name:\n  curl -s localhost:${config.port}/v1/track -u '${key}:' -H 'content-type: application/json' -d '{"userId":"u-1","event":"Signed Up"}'`);
      else console.log(`Use it on GraphQL as:\n  curl -s localhost:${config.port}/graphql -H 'authorization: Bearer ${key}' -H 'content-type: application/json' -d '{"query":"{ version }"}'`);
    }),
  );

keys
  .command('list')
  .description('list keys (prefix, name, role, last use; never the key itself)')
  .action(() =>
    withDatabase(async ({ db, logger, rt }) => {
      const list = await new rt.ApiKeyService(db, { logger }).list();
      if (!list.length) return console.log('no API keys; make one with: cdp keys create --role WRITER --name NAME');
      console.table(
        list.map((k) => ({
          id: k.id,
          prefix: `${k.prefix}…`,
          name: k.name,
          role: k.role,
          created: k.createdAt.toISOString(),
          lastUsed: k.lastUsedAt?.toISOString() ?? '',
          revoked: k.revokedAt?.toISOString() ?? '',
        })),
      );
    }),
  );

keys
  .command('revoke')
  .description('revoke a key by id (running servers stop accepting it within seconds)')
  .argument('<id>', 'the id shown by `cdp keys list`')
  .action((id: string) =>
    withDatabase(async ({ db, logger, rt }) => {
      const done = await new rt.ApiKeyService(db, { logger }).revoke(id);
      await cliAudit(db, logger, 'revokeApiKey', id, done ? 'ok' : 'NOT_FOUND');
      console.log(done ? `revoked ${id}` : `no live key with id ${id}`);
      if (!done) process.exitCode = 1;
    }),
  );

program
  .command('partitions')
  .description('make the monthly partitions of the history tables ahead, optionally drop months past retention, and list them (docs/scaling.md)')
  .option('--ahead <n>', 'months after the current one to make (default PARTITION_MONTHS_AHEAD)', (v) => Number(v))
  .option('--from <yyyy-mm>', 'also make every month from this one (moves its rows out of the default partition)')
  .option('--drop-expired', 'drop months past TOUCHPOINT_/AUDIT_/FAILED_EVENT_RETENTION_MONTHS and fully pruned outbox months')
  .option('--exact', 'count rows instead of showing estimates')
  .action((o: { ahead?: number; from?: string; dropExpired?: boolean; exact?: boolean }) =>
    withDatabase(async ({ db, config, logger, rt }) => {
      const from = o.from === undefined ? undefined : parseMonth(o.from);
      if (from === null) {
        console.error('cdp: --from takes a month as YYYY-MM');
        process.exitCode = 1;
        return;
      }
      const service = new rt.PartitionService(db, { clock: () => new Date(), logger, config: config.partitions });
      try {
        const { lines } = await rt.runPartitions(service, { ahead: o.ahead, from, dropExpired: o.dropExpired, exact: o.exact });
        console.log(lines.join('\n'));
      } catch (err) {
        if (!(err instanceof UserError)) throw err;
        console.error(`cdp: ${err.message}`);
        process.exitCode = 1;
      }
    }),
  );

registerImportCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  // Expected start-up failures get one clear line, not a stack trace. Imported here, on failure only,
  // so `cdp import` does not load the config's dependencies at start.
  const [{ ConfigError }, { DataDirLockedError }] = await Promise.all([import('../config/env.ts'), import('../db/lock.ts')]);
  if (err instanceof ConfigError || err instanceof DataDirLockedError) {
    console.error(`cdp: ${err.message}`);
    process.exit(1);
  }
  throw err;
}
