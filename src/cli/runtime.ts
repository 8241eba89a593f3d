/**
 * Everything the server-side commands (serve, migrate, seed, keys, partitions) need, gathered in one
 * module that src/cli/index.ts imports only when one of them runs. `cdp import` talks to a running
 * server over HTTP and needs none of it; loading the server (type-graphql schema, services, Prisma)
 * cost every import process seconds before it read its first row.
 */
import 'reflect-metadata';

export { loadConfig } from '../config/env.ts';
export { openDatabase, type Database } from '../db/client.ts';
export { migrate } from '../db/migrate.ts';
export { createLogger, type Logger } from '../logger.ts';
export { AuditService } from '../modules/audit/audit.service.ts';
export { serve } from '../main.ts';
export { ApiKeyService } from '../modules/auth/api-key.service.ts';
export { runPartitions } from './partitions.ts';
export { PartitionService } from '../modules/system/partition.service.ts';
export { seedDemo } from './seed.ts';
