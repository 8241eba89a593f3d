/**
 * The layout rules (lint/layers.js, wired in eslint.config.js) on small in-memory files: each rule
 * reports what it should and stays quiet on what the layout allows, so a rule cannot silently stop
 * working (a lint run with no errors proves nothing about that on its own).
 *
 * The files do not exist: only their names matter, and they go through the project's real config.
 */
import path from 'node:path';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
let eslint: ESLint;

beforeAll(() => {
  eslint = new ESLint({ cwd: ROOT });
});

/** The layout findings (rule id + message id) on `code` as if it were the file at `file`. */
async function findings(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, file) });
  return result!.messages
    .filter((m) => m.ruleId === 'layers/boundaries' || m.ruleId === 'no-restricted-properties' || m.fatal)
    .map((m) => (m.fatal ? `fatal: ${m.message}` : `${m.ruleId}:${m.messageId}`));
}

const BOUNDARY = (messageId: string) => `layers/boundaries:${messageId}`;

describe('resolvers stay thin', () => {
  const file = 'src/modules/segments/segment.resolver.ts';

  it.each([
    ["import { segmentStore } from './segment.repository.ts';", 'its own repository'],
    ["import { customerQueries } from '../customers/customer.queries.ts';", 'a queries file'],
    ["import { compileMembers } from './rules/rule.compiler.sql.ts';", 'a SQL builder'],
    ["import { Prisma } from '../../generated/prisma/client.ts';", 'the generated client'],
    ["import { PrismaClient } from '@prisma/client';", 'a @prisma package'],
  ])('%s is reported (%s)', async (code) => {
    expect(await findings(file, `${code}\nexport const x = 1;`)).toEqual([BOUNDARY('resolverData')]);
  });

  it('a service, a type-only import of the data layer, and libraries are allowed', async () => {
    const code = [
      "import { SegmentService } from './segment.service.ts';",
      "import type { SegmentFull } from './segment.repository.ts';",
      "import type { Prisma } from '../../generated/prisma/client.ts';",
      "import { Resolver } from 'type-graphql';",
      'export const x: [unknown, SegmentFull | null, Prisma.Sql | null, unknown] = [SegmentService, null, null, Resolver];',
    ].join('\n');
    expect(await findings(file, code)).toEqual([]);
  });
});

describe('a module reaches another only through its service or queries', () => {
  it.each([
    ['src/modules/segments/segment.service.ts', "import { customerRepository } from '../customers/customer.repository.ts';"],
    // Deeper files and roundabout paths resolve to the same target.
    ['src/modules/segments/rules/rule.facts.ts', "import { rfmRepository } from '../../analytics/rfm.repository.ts';"],
    ['src/modules/segments/rules/rule.facts.ts', "import { rfmRepository } from '../../../modules/analytics/../analytics/rfm.repository.ts';"],
    // A repository is no exception.
    ['src/modules/identities/merge.repository.ts', "import { customerRepository } from '../customers/customer.repository.ts';"],
    // Nor another module's SQL builders.
    ['src/modules/segments/segment.service.ts', "import { scopedTouchpoints } from '../analytics/analytics.scope.sql.ts';"],
    // Re-exports and dynamic imports count too.
    ['src/modules/tags/tag.service.ts', "export { customerRepository } from '../customers/customer.repository.ts';"],
    ['src/modules/tags/tag.service.ts', "export * from '../customers/customer.repository.ts';"],
    ['src/modules/tags/tag.service.ts', "export const load = () => import('../customers/customer.repository.ts');"],
    // Code outside src/modules is held to the same rule.
    ['src/cli/seed.ts', "import { touchpointRepository } from '../modules/touchpoints/touchpoint.repository.ts';"],
  ])('%s: %s is reported', async (file, code) => {
    expect(await findings(file, `${code}\nexport const x = 1;`)).toEqual([BOUNDARY('foreignRepository')]);
  });

  it('its own repository, another module’s queries and service are allowed', async () => {
    const code = [
      "import { segmentStore } from './segment.repository.ts';",
      "import { compileMembers } from './rules/rule.compiler.sql.ts';",
      "import { customerQueries } from '../customers/customer.queries.ts';",
      "import { rfmQueries } from '../analytics/rfm.queries.ts';",
      "import { CustomerService } from '../customers/customer.service.ts';",
      'export const x = [segmentStore, compileMembers, customerQueries, rfmQueries, CustomerService];',
    ].join('\n');
    expect(await findings('src/modules/segments/segment.service.ts', code)).toEqual([]);
    expect(await findings('src/cli/seed.ts', "import { touchpointQueries } from '../modules/touchpoints/touchpoint.queries.ts';\nexport const x = touchpointQueries;")).toEqual([]);
  });
});

describe('config depends on nothing in modules', () => {
  it('an import from src/modules is reported, even a plain constant', async () => {
    const code = "import { stageOf } from '../modules/touchpoints/journey-stages.ts';\nexport const x = stageOf;";
    expect(await findings('src/config/env.ts', code)).toEqual([BOUNDARY('configImport')]);
  });

  it('config may import config, lib and the generated enums', async () => {
    const code = [
      "import { DEFAULT_STAGE_MAP } from './stage-map.ts';",
      "import { isUuid } from '../lib/uuid.ts';",
      "import { IdentityType } from '../generated/prisma/enums.ts';",
      'export const x = [DEFAULT_STAGE_MAP, isUuid, IdentityType];',
    ].join('\n');
    expect(await findings('src/config/env.ts', code)).toEqual([]);
  });
});

describe('Prisma values and SQL stay in the data layer', () => {
  /** The Prisma namespace imported as a value, by the right relative path from `file`. */
  const prismaValue = (file: string) => {
    const client = path.relative(path.dirname(path.join(ROOT, file)), path.join(ROOT, 'src/generated/prisma/client.ts'));
    return `import { Prisma } from '${client}';\nexport const x = Prisma.empty;`;
  };
  const rawSql = 'export async function f(db: { $queryRaw: (s: TemplateStringsArray) => Promise<unknown> }) { return db.$queryRaw`SELECT 1`; }';
  const unsafe = "export async function f(db: { $executeRawUnsafe: (s: string) => Promise<unknown> }) { return db.$executeRawUnsafe('SELECT 1'); }";

  it('outside it, the Prisma namespace as a value and raw SQL calls are reported', async () => {
    for (const file of ['src/modules/segments/rules/rule.facts.ts', 'src/modules/customers/customer.service.ts'])
      expect(await findings(file, prismaValue(file))).toEqual([BOUNDARY('prismaValue')]);
    expect(await findings('src/modules/segments/segment.service.ts', rawSql)).toEqual([BOUNDARY('rawSql')]);
    expect(await findings('src/modules/tags/tag.service.ts', unsafe)).toEqual([BOUNDARY('rawSql')]);
  });

  it('inside it (a repository or a *.sql.ts builder) they are allowed', async () => {
    for (const file of ['src/modules/segments/rules/rule-facts.repository.ts', 'src/modules/segments/rules/rule.compiler.sql.ts', 'src/modules/customers/customer.filter.sql.ts']) {
      expect(await findings(file, prismaValue(file))).toEqual([]);
      expect(await findings(file, rawSql)).toEqual([]);
    }
  });

  it('a type-only import of Prisma is allowed anywhere in a module', async () => {
    const code = [
      "import type { Prisma } from '../../generated/prisma/client.ts';",
      "import { type Prisma as P } from '../../generated/prisma/client.ts';",
      'export type X = Prisma.Sql | P.Sql;',
    ].join('\n');
    expect(await findings('src/modules/segments/segment.service.ts', code)).toEqual([]);
  });
});

describe('only src/config reads process.env', () => {
  it('is reported in a module and allowed in config', async () => {
    const code = 'export const level = process.env.LOG_LEVEL;';
    expect(await findings('src/modules/alerts/alert.service.ts', code)).toEqual(['no-restricted-properties:restrictedObjectProperty']);
    expect(await findings('src/config/env.ts', code)).toEqual([]);
  });
});

describe('outside src', () => {
  it('tests and scripts may reach any layer', async () => {
    const code = "import { customerRepository } from '../../src/modules/customers/customer.repository.ts';\nexport const x = customerRepository;";
    expect(await findings('tests/integration/x.test.ts', code)).toEqual([]);
  });
});
