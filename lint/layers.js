/**
 * The layout rules of this codebase, as an ESLint plugin (see docs/architecture.md):
 *   - resolvers are thin: they never import the data layer (a repository, a SQL builder, a
 *     module's queries) or the Prisma client;
 *   - a module reaches another module only through its service or its exported queries
 *     (`*.queries.ts`), never through that module's repository or SQL builders;
 *   - SQL and Prisma live in the data layer only: `*.repository.ts` and pure SQL builders `*.sql.ts`;
 *   - config depends on nothing in src/modules; only src/config reads process.env.
 * Paths are resolved, so `../customers/x.repository.ts` and `../../customers/...` are judged alike.
 */
import path from 'node:path';

const SRC = path.resolve(import.meta.dirname, '..', 'src');

const inSrc = (file) => file.startsWith(SRC + path.sep);
const rel = (file) => path.relative(SRC, file).split(path.sep).join('/');
/** `modules/<name>/...` → name; anything else → null. */
const moduleOf = (file) => {
  const m = /^modules\/([^/]+)\//.exec(rel(file));
  return m ? m[1] : null;
};
const isDataLayer = (file) => /\.(repository|sql)\.ts$/.test(file);
/** What a resolver may not import: the data layer and the queries that wrap it. */
const isDataAccess = (file) => /\.(repository|sql|queries)\.ts$/.test(file);
const isResolver = (file) => /\.resolver\.ts$/.test(file);
const isPrismaClient = (target) => /^generated\/prisma(\/|$)/.test(rel(target));

function resolveImport(file, spec) {
  if (!spec.startsWith('.')) return null;
  return path.resolve(path.dirname(file), spec);
}

const RAW_SQL = new Set(['$queryRaw', '$executeRaw', '$queryRawUnsafe', '$executeRawUnsafe', '$queryRawTyped']);

const boundaries = {
  meta: {
    type: 'problem',
    messages: {
      resolverData: 'Resolvers stay thin: call a service instead of importing {{what}}.',
      foreignRepository: 'Module "{{from}}" reaches module "{{to}}" only through its service or *.queries.ts, not {{target}}.',
      configImport: 'src/config depends on nothing in src/modules ({{target}}).',
      prismaValue: 'Only the data layer (*.repository.ts, *.sql.ts) uses the Prisma client values ({{names}}); import types with `import type`.',
      rawSql: 'SQL belongs in a repository: {{name}} outside *.repository.ts.',
    },
    schema: [],
  },
  create(context) {
    const file = context.filename;
    if (!inSrc(file) || rel(file).startsWith('generated/')) return {};
    const fromModule = moduleOf(file);
    const data = isDataLayer(file);
    const check = (node, spec, typeOnly) => {
      if (typeof spec !== 'string') return;
      const isPrismaPkg = spec.startsWith('@prisma/');
      const target = resolveImport(file, spec);
      if (isResolver(file) && !typeOnly) {
        if (isPrismaPkg || (target && (isPrismaClient(target) || isDataAccess(target)))) {
          context.report({ node, messageId: 'resolverData', data: { what: spec } });
          return;
        }
      }
      if (!target || !inSrc(target)) return;
      const toModule = moduleOf(target);
      if (rel(file).startsWith('config/') && toModule) context.report({ node, messageId: 'configImport', data: { target: spec } });
      if (toModule && toModule !== fromModule && isDataLayer(target)) {
        context.report({ node, messageId: 'foreignRepository', data: { from: fromModule ?? rel(file), to: toModule, target: spec } });
      }
      if (fromModule && !data && !typeOnly && isPrismaClient(target) && node.type === 'ImportDeclaration') {
        const values = node.specifiers.filter((s) => s.importKind !== 'type' && s.imported && s.imported.name === 'Prisma').map((s) => s.imported.name);
        if (values.length) context.report({ node, messageId: 'prismaValue', data: { names: values.join(', ') } });
      }
    };
    return {
      ImportDeclaration(node) {
        check(node, node.source.value, node.importKind === 'type');
      },
      ExportNamedDeclaration(node) {
        if (node.source) check(node, node.source.value, node.exportKind === 'type');
      },
      ExportAllDeclaration(node) {
        check(node, node.source.value, node.exportKind === 'type');
      },
      ImportExpression(node) {
        if (node.source.type === 'Literal') check(node, node.source.value, false);
      },
      MemberExpression(node) {
        if (data || !fromModule) return;
        const name = node.property.type === 'Identifier' ? node.property.name : null;
        if (name && RAW_SQL.has(name)) context.report({ node, messageId: 'rawSql', data: { name } });
      },
    };
  },
};

export default { rules: { boundaries } };
