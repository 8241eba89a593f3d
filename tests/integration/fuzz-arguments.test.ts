/**
 * Every text argument of every operation, found by walking the schema the server introspects: each
 * root Query, Mutation and Subscription field gets a call per String/ID/JSON slot (an argument, or a
 * field of an input object at any depth, or the element of a list) holding a hostile string, the
 * other required arguments filled with plain values. No call may answer 5xx or INTERNAL_SERVER_ERROR;
 * every error has a code; and text PostgreSQL cannot store is refused with BAD_USER_INPUT naming the
 * argument, except by the ingestion mutations, which report it per row as data.
 */
import { buildClientSchema, getIntrospectionQuery, getNamedType, getNullableType, isEnumType, isInputObjectType, isListType, isNonNullType, isScalarType, type GraphQLArgument, type GraphQLField, type GraphQLInputObjectType, type GraphQLInputType, type GraphQLSchema, type IntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbKinds } from '../helpers/databases.ts';
import { expectClientErrors, expectHealthy } from '../helpers/fuzz.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

/** Refused at the boundary, whatever the argument. */
const UNSTORABLE = ['a\u0000b', 'x\udc00y', 'ok\udbff'];
/** Odd but storable: each must get a normal answer or a coded client error. */
const ODD = ["'; DROP TABLE customer; --", '\\u0000', '__proto__', '', '\u202e😀\udbff\udfff', 'é'.repeat(100_000)];
/** The mutations that report unstorable text row by row, as data. */
const ROW_LEVEL = new Set(['Mutation.upsertCustomers', 'Mutation.recordTouchpoints']);
const TEXT_SCALARS = new Set(['String', 'ID', 'JSON', 'JSONObject']);

type Path = (string | number)[];

/** A plain valid-looking value for a type (required fields only, one element per list). */
function plain(type: GraphQLInputType, depth = 0): unknown {
  const t = getNullableType(type) as GraphQLInputType;
  if (isListType(t)) return [plain(t.ofType as GraphQLInputType, depth + 1)];
  if (isEnumType(t)) return t.getValues()[0]!.value;
  if (isInputObjectType(t)) {
    const out: Record<string, unknown> = {};
    for (const f of Object.values(t.getFields())) if (isNonNullType(f.type) && f.defaultValue === undefined && depth < 6) out[f.name] = plain(f.type, depth + 1);
    return out;
  }
  switch (t.name) {
    case 'Int':
      return 1;
    case 'Float':
      return 1;
    case 'Boolean':
      return false;
    case 'ID':
      return '00000000-0000-0000-0000-000000000000';
    case 'DateTimeISO':
      return '2024-01-01T00:00:00.000Z';
    case 'JSON':
    case 'JSONObject':
      return {};
    default:
      return 'x';
  }
}

/** Every text slot reachable from an argument: paths into its value (numbers are list positions). */
function textSlots(type: GraphQLInputType, path: Path, seen: Set<string>, out: Path[]): void {
  const t = getNullableType(type) as GraphQLInputType;
  if (isListType(t)) return textSlots(t.ofType as GraphQLInputType, [...path, 0], seen, out);
  if (isScalarType(t)) {
    if (TEXT_SCALARS.has(t.name)) out.push(path);
    return;
  }
  if (isInputObjectType(t)) {
    if (seen.has(t.name)) return; // recursive inputs: one level is enough to reach every field
    const inner = new Set(seen).add(t.name);
    for (const f of Object.values(t.getFields())) textSlots(f.type, [...path, f.name], inner, out);
  }
}

/** The type at each step of a path into an argument (path[0] is the argument's name). */
function typesAlong(arg: GraphQLArgument, path: Path): GraphQLInputType[] {
  const types: GraphQLInputType[] = [arg.type];
  for (const key of path.slice(1)) {
    const n = getNullableType(types[types.length - 1]!) as GraphQLInputType;
    types.push(isListType(n) ? (n.ofType as GraphQLInputType) : (n as GraphQLInputObjectType).getFields()[key as string]!.type);
  }
  return types;
}

/** The plain arguments with `value` placed at `path` (containers along the way filled with plain values). */
function withValueAt(args: readonly GraphQLArgument[], arg: GraphQLArgument, path: Path, value: unknown): Record<string, unknown> {
  const vars: Record<string, unknown> = Object.fromEntries(args.filter((a) => isNonNullType(a.type) && a.defaultValue === undefined).map((a) => [a.name, plain(a.type)]));
  const types = typesAlong(arg, path);
  let holder: Record<string | number, unknown> = vars;
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i]!;
    if (holder[key] === undefined || holder[key] === null) holder[key] = plain(types[i]!);
    holder = holder[key] as Record<string | number, unknown>;
  }
  holder[path[path.length - 1]!] = value;
  return vars;
}

/** The JSON scalars take any value: a hostile string goes in as a key and a value inside an object too. */
const jsonWrapped = (slotType: string, s: string): unknown[] => (slotType === 'JSON' || slotType === 'JSONObject' ? [{ [s.slice(0, 50)]: s }, ...(slotType === 'JSON' ? [s] : [])] : [s]);

function document(kind: 'query' | 'mutation' | 'subscription', field: GraphQLField<unknown, unknown>): string {
  const decl = field.args.map((a) => `$${a.name}: ${String(a.type)}`).join(', ');
  const call = field.args.map((a) => `${a.name}: $${a.name}`).join(', ');
  const named = getNamedType(field.type);
  const selection = isScalarType(named) || isEnumType(named) ? '' : ' { __typename }';
  return `${kind} Fuzz${decl ? `(${decl})` : ''} { ${field.name}${call ? `(${call})` : ''}${selection} }`;
}

interface Case {
  root: 'Query' | 'Mutation' | 'Subscription';
  field: GraphQLField<unknown, unknown>;
  doc: string;
  argument: string;
  vars: Record<string, unknown>;
  unstorable: boolean;
}

function cases(schema: GraphQLSchema): Case[] {
  const out: Case[] = [];
  const roots = [
    ['Query', 'query', schema.getQueryType()],
    ['Mutation', 'mutation', schema.getMutationType()],
    ['Subscription', 'subscription', schema.getSubscriptionType()],
  ] as const;
  for (const [root, kind, type] of roots) {
    for (const field of Object.values(type?.getFields() ?? {})) {
      const doc = document(kind, field);
      for (const arg of field.args) {
        const slots: Path[] = [];
        textSlots(arg.type, [arg.name], new Set(), slots);
        for (const path of slots) {
          const typeName = getNamedType(typesAlong(arg, path).at(-1)!).name;
          for (const s of [...UNSTORABLE, ...ODD])
            for (const value of jsonWrapped(typeName, s))
              out.push({ root, field, doc, argument: [field.name, ...path].join('.'), vars: withValueAt(field.args, arg, path, value), unstorable: UNSTORABLE.includes(s) });
        }
      }
    }
  }
  return out;
}

type Errors = { message: string; extensions?: Record<string, unknown> }[] | undefined;

describe.each(dbKinds)('every text argument of every operation on %s', (kind) => {
  let t: TestServer;
  let all: Case[] = [];
  beforeAll(async () => {
    t = await startTestServer(kind);
    const seeded = await t.gql(`mutation { recordTouchpoints(input: [{ messageId: "seed-1", event: "x", userId: "x" }]) { accepted } }`);
    expect(seeded.errors).toBeUndefined();
    const intro = await t.gql<IntrospectionQuery, unknown>(getIntrospectionQuery());
    all = cases(buildClientSchema(intro.data!));
  });
  afterAll(() => t?.stop());

  const expectRefusedOrRowLevel = (c: Case, errors: Errors, data: unknown) => {
    if (!c.unstorable) return;
    if (ROW_LEVEL.has(`${c.root}.${c.field.name}`)) return; // row errors or quarantine, checked by fuzz-graphql.test.ts
    expect(data ?? null, c.argument).toBeNull();
    const ext = errors?.[0]?.extensions;
    expect(ext?.code, `${c.argument}: ${JSON.stringify(errors)?.slice(0, 300)}`).toBe('BAD_USER_INPUT');
    // The path names the argument, and within a JSON value goes on to the key that holds the text.
    expect(String(ext?.argument).startsWith(c.argument), `${String(ext?.argument)} names ${c.argument}`).toBe(true);
  };

  it('covers every root field that takes text', () => {
    const fields = new Set(all.map((c) => `${c.root}.${c.field.name}`));
    for (const f of ['Query.customers', 'Query.failedEvents', 'Query.paths', 'Query.funnel', 'Mutation.createSegment', 'Mutation.tagCustomers', 'Subscription.segmentMembershipChanged'])
      expect(fields, f).toContain(f);
  });

  it('queries and mutations over HTTP: no 5xx, no INTERNAL_SERVER_ERROR, unstorable text refused', async () => {
    const tally: Record<string, number> = {};
    for (const c of all.filter((x) => x.root !== 'Subscription')) {
      const r = await t.gql<unknown, unknown>(c.doc, c.vars);
      const at = `${c.argument} = ${JSON.stringify(c.vars).slice(0, 200)}`;
      expect(r.status, `${at}: ${JSON.stringify(r.errors)?.slice(0, 500)}`).toBeLessThan(500);
      expect(r.errors?.map((e) => e.extensions?.code) ?? [], at).not.toContain('INTERNAL_SERVER_ERROR');
      expectClientErrors(r.errors);
      expectRefusedOrRowLevel(c, r.errors, r.data);
      const outcome = r.errors?.length ? String(r.errors[0]!.extensions?.code) : 'ok';
      tally[outcome] = (tally[outcome] ?? 0) + 1;
    }
    console.info(`text arguments over HTTP on ${kind} (${all.length} calls):`, tally);
    await expectHealthy(t);
  }, 600_000);

  it('subscriptions over WebSocket: unstorable text refused with BAD_USER_INPUT', async () => {
    // Only unstorable text here: a subscription that is accepted stays open, and nothing tells "accepted" from "not yet refused".
    const client = t.wsClient();
    const subscriptions = all.filter((x) => x.root === 'Subscription' && x.unstorable);
    expect(subscriptions.length).toBeGreaterThan(0);
    for (const c of subscriptions) {
      const errors = await new Promise<Errors>((resolve) => {
        client.subscribe(
          { query: c.doc, variables: c.vars },
          { next: (v) => resolve(v.errors as Errors), error: (e) => resolve(Array.isArray(e) ? (e as Errors) : [{ message: String(e) }]), complete: () => resolve(undefined) },
        );
      });
      expectClientErrors(errors);
      expectRefusedOrRowLevel(c, errors, null);
    }
    await expectHealthy(t);
  }, 300_000);
});
