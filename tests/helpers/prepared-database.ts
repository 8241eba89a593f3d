/**
 * Migrates a database and makes API keys in it without starting a server, for tests (and the soak)
 * that then start servers as child processes: one process start less than `cdp keys create`.
 * Imports nothing from vitest, so soak/ can use it.
 */
import type { Config } from '../../src/config/env.ts';
import { loadConfig } from '../../src/config/env.ts';
import { openDatabase, type OpenOptions } from '../../src/db/client.ts';
import { migrate } from '../../src/db/migrate.ts';
import type { ApiKeyRole } from '../../src/generated/prisma/enums.ts';
import { createLogger } from '../../src/logger.ts';
import { ApiKeyService } from '../../src/modules/auth/api-key.service.ts';

/**
 * Answers the new key of each role asked for, named `<name>-<role>`. A new PGlite data directory can
 * start from a migrated snapshot (`opts.pgliteSnapshot`) instead of initdb and every migration.
 */
export async function migrateWithKeys<R extends ApiKeyRole>(database: Config['database'], name: string, roles: readonly R[], opts: OpenOptions = {}): Promise<Record<R, string>> {
  const db = await openDatabase(database, opts);
  try {
    await migrate(db);
    const service = new ApiKeyService(db, { logger: createLogger({ ...loadConfig({}), logLevel: 'silent' }) });
    const keys = {} as Record<R, string>;
    for (const role of roles) {
      const made = await service.create({ name: `${name}-${role.toLowerCase()}`, role });
      if (!made.ok) throw new Error(made.message);
      keys[role] = made.value.key;
    }
    return keys;
  } finally {
    await db.close();
  }
}
