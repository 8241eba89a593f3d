/**
 * The segment rule language: the JSON AST defined in docs/rules.md, its zod schema, and parseRule,
 * which validates a rule and names the offending node by its JSON path ($.and[2].count.op).
 *
 * The zod schema is the single definition; the JSON Schema served to editors is generated from it.
 * parseRule walks the boolean structure (and/or/not) itself, rather than handing the whole tree to a zod
 * union, because a union that fails reports "invalid input" at the union and not the node that broke.
 * Each node is still validated by the node's own zod schema.
 */
import { z } from 'zod';
import { Channel, TouchpointType } from '../../../generated/prisma/enums.ts';
import { parseIsoInstant } from './rule.values.ts';

export const MAX_DEPTH = 10;
export const MAX_NODES = 50;
export const MAX_WITHIN_DAYS = 3650;
export const MAX_ARRAY = 100;
export const MAX_STRING = 256;
export const MAX_WHERE = 20;

export const COMPARISON_OPS = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'in', 'contains', 'exists'] as const;
export const AGGREGATE_OPS = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte'] as const;
export type ComparisonOp = (typeof COMPARISON_OPS)[number];
export type AggregateOp = (typeof AGGREGATE_OPS)[number];

/** The typed customer columns a rule can compare, and how their values compare. */
export const ATTR_TYPES = {
  email: 'text',
  phone: 'text',
  firstName: 'text',
  lastName: 'text',
  name: 'text',
  gender: 'text',
  birthday: 'date',
  country: 'text',
  city: 'text',
  company: 'text',
  externalId: 'text',
  source: 'text',
  lifetimeValue: 'number',
  orderCount: 'number',
  touchpointCount: 'number',
  createdAt: 'date',
  firstSeenAt: 'date',
  lastSeenAt: 'date',
  // The customer's RFM tier now (quintiles over everyone with an "Order Completed"), e.g. "CHAMPIONS".
  rfmTier: 'text',
  // Mean sentiment score of the customer's scored touchpoints over the merged set (4 decimals), in [−1, 1].
  sentimentAverage: 'number',
  // The latest propensity model's probability for the customer (src/modules/propensity), in [0, 1].
  conversionProbability: 'number',
  churnProbability: 'number',
} as const;
export type AttrName = keyof typeof ATTR_TYPES;
export type AttrType = (typeof ATTR_TYPES)[AttrName];
const ATTR_NAMES = Object.keys(ATTR_TYPES) as [AttrName, ...AttrName[]];
/** Names kept for attributes to come; a rule using one is refused with a message saying so. */
const RESERVED_ATTRS: Record<string, string> = {};

/** The touchpoint column that `where`/`sum` read for prop "revenue"; every other prop reads `properties`. */
export const REVENUE_PROP = 'revenue';
/** Props that read the touchpoint's sentiment columns: the label (text) and the score (number). */
export const SENTIMENT_PROP = 'sentiment';
export const SENTIMENT_SCORE_PROP = 'sentimentScore';
const SENTIMENT_LABELS = ['NEGATIVE', 'NEUTRAL', 'POSITIVE'];

export const CHANNELS = Object.values(Channel) as [Channel, ...Channel[]];
export const TOUCHPOINT_TYPES = Object.values(TouchpointType) as [TouchpointType, ...TouchpointType[]];

export type Scalar = string | number | boolean;
export interface Comparison {
  op: ComparisonOp;
  value?: Scalar | Scalar[];
}
export interface AttrRule extends Comparison {
  attr: AttrName;
}
export interface TraitRule extends Comparison {
  trait: string;
}
export interface PropFilter extends Comparison {
  prop: string;
}
/** An event condition names an event, a touchpoint type, or both (at least one). */
export interface EventRule {
  event?: string;
  type?: TouchpointType;
  channel?: Channel;
  where?: PropFilter[];
  count?: { op: AggregateOp; value: number };
  sum?: { prop: string; op: AggregateOp; value: number };
  withinDays?: number;
}
/** Member of an account (any, or the one with this group id) whose traits pass every filter. */
/** In cluster `cluster` of clustering run `run` (a run id, or "latest"). */
export interface InClusterRule {
  inCluster: { run: string; cluster: number };
}
export interface AccountRule {
  account: { groupId?: string; where?: TraitRule[] };
}
export interface SeenWindow {
  olderThanDays?: number;
  newerThanDays?: number;
}
export type Rule =
  | { and: Rule[] }
  | { or: Rule[] }
  | { not: Rule }
  | AttrRule
  | TraitRule
  | EventRule
  | { lastSeen: SeenWindow }
  | { firstSeen: SeenWindow }
  | { hasTag: string }
  | { inSegment: string }
  | InClusterRule
  | AccountRule;

// ---- building blocks ----

const text = z
  .string()
  .max(MAX_STRING, `at most ${MAX_STRING} characters`)
  // PostgreSQL text cannot hold U+0000 and jsonb refuses lone surrogates: refuse them here rather than fail in SQL.
  .refine((s) => !s.includes('\u0000') && !/\p{Cs}/u.test(s), 'must not contain U+0000 or unpaired surrogates');
const name = (what: string) => text.min(1, `${what} must not be empty`);
const scalar = z.union([text, z.number(), z.boolean()]);
const comparisonValue = z
  .union([scalar, z.array(scalar).min(1, 'needs at least one value').max(MAX_ARRAY, `at most ${MAX_ARRAY} values`)])
  .describe('The value to compare with; an array for "in"; omitted for "exists". Its JSON type picks the comparison for traits and properties: number (numerically; numeric strings such as "12.5" count as numbers), string (as text), boolean.');
const comparisonOp = z
  .enum(COMPARISON_OPS, { error: () => `op must be one of ${COMPARISON_OPS.join(', ')}` })
  .describe('eq, neq, gt, gte, lt, lte, in (value is an array), contains (text: case-insensitive substring; array: has an element equal to value), exists (no value)');
const aggregateOp = z.enum(AGGREGATE_OPS, { error: () => `op must be one of ${AGGREGATE_OPS.join(', ')}` });
const days = (what: string) =>
  z
    .number({ error: `${what} must be a whole number of days` })
    .int(`${what} must be a whole number of days`)
    .min(1, `${what} must be between 1 and ${MAX_WITHIN_DAYS}`)
    .max(MAX_WITHIN_DAYS, `${what} must be between 1 and ${MAX_WITHIN_DAYS}`);

type ValueKind = AttrType | 'json';

/** The cross-field checks of a comparison: which ops need which values, per column type. */
function checkComparison(node: Comparison, kind: ValueKind, subject: string, ctx: z.RefinementCtx): void {
  const { op, value } = node;
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  if (op === 'exists') {
    if (value !== undefined) issue(['value'], 'op "exists" takes no value');
    return;
  }
  if (value === undefined) return issue(['value'], `value is required for op "${op}"`);
  if (op === 'contains' && kind !== 'text' && kind !== 'json') return issue(['op'], `op "contains" applies to text, not to ${subject}`);
  const check = (v: Scalar, path: (string | number)[]) => {
    const bad = (expected: string) => issue(path, `${subject} compares with ${expected}, got ${JSON.stringify(v)}`);
    if (kind === 'text' && typeof v !== 'string') return bad('a string');
    if (kind === 'number' && typeof v !== 'number') return bad('a number');
    if (kind === 'date' && (typeof v !== 'string' || !parseIsoInstant(v))) return bad('an ISO date ("2024-05-01") or date-time with offset ("2024-05-01T08:00:00Z")');
    if (kind === 'json' && typeof v === 'boolean' && op !== 'eq' && op !== 'neq' && op !== 'in' && op !== 'contains') {
      return issue(['op'], `a boolean value compares only with eq, neq, in or contains, not ${op}`);
    }
  };
  if (op === 'in') {
    if (!Array.isArray(value)) return issue(['value'], 'op "in" takes an array of values');
    value.forEach((v, i) => check(v, ['value', i]));
  } else {
    if (Array.isArray(value)) return issue(['value'], `op "${op}" takes a single value (use "in" for a list)`);
    check(value, ['value']);
  }
}

// ---- node schemas ----

export const AttrRuleSchema = z
  .strictObject({
    attr: z.enum(ATTR_NAMES, {
      error: (iss) =>
        typeof iss.input === 'string' && RESERVED_ATTRS[iss.input]
          ? RESERVED_ATTRS[iss.input]
          : `unknown attribute ${JSON.stringify(iss.input)}; expected one of ${ATTR_NAMES.join(', ')}`,
    }),
    op: comparisonOp,
    value: comparisonValue.optional(),
  })
  .superRefine((node, ctx) => checkComparison(node, ATTR_TYPES[node.attr], `attribute "${node.attr}"`, ctx))
  .describe('Compares a typed customer column. Text columns take strings, lifetimeValue/orderCount/touchpointCount numbers, birthday/createdAt/firstSeenAt/lastSeenAt ISO dates. A missing value never matches (neq included).');

export const TraitRuleSchema = z
  .strictObject({ trait: name('trait'), op: comparisonOp, value: comparisonValue.optional() })
  .superRefine((node, ctx) => checkComparison(node, 'json', `trait "${node.trait}"`, ctx))
  .describe('Compares a top-level key of the customer traits. A missing key or JSON null never matches (neq included).');

export const PropFilterSchema = z
  .strictObject({ prop: name('prop'), op: comparisonOp, value: comparisonValue.optional() })
  .superRefine((node, ctx) => {
    const kind = node.prop === REVENUE_PROP || node.prop === SENTIMENT_SCORE_PROP ? 'number' : node.prop === SENTIMENT_PROP ? 'text' : 'json';
    checkComparison(node, kind, `prop "${node.prop}"`, ctx);
    if (node.prop === SENTIMENT_PROP && node.op !== 'exists') {
      const values = Array.isArray(node.value) ? node.value : [node.value];
      values.forEach((v, i) => {
        if (typeof v === 'string' && !SENTIMENT_LABELS.includes(v))
          ctx.addIssue({ code: 'custom', path: Array.isArray(node.value) ? ['value', i] : ['value'], message: `prop "sentiment" is one of ${SENTIMENT_LABELS.join(', ')}` });
      });
    }
  })
  .describe('A filter on the touchpoint: "revenue" is its own column, "sentiment" its sentiment label (NEGATIVE, NEUTRAL, POSITIVE), "sentimentScore" its score; other props read its properties.');

export const EventRuleSchema = z
  .strictObject({
    event: name('event').describe('Event name, as stored on the touchpoint').optional(),
    type: z
      .enum(TOUCHPOINT_TYPES, { error: () => `type must be one of ${TOUCHPOINT_TYPES.join(', ')}` })
      .describe('Touchpoint type (PAGE: Segment page calls, SCREEN: screen calls, TRACK, ...)')
      .optional(),
    channel: z.enum(CHANNELS, { error: () => `channel must be one of ${CHANNELS.join(', ')}` }).optional(),
    where: z.array(PropFilterSchema).max(MAX_WHERE, `at most ${MAX_WHERE} filters`).optional(),
    count: z
      .strictObject({
        op: aggregateOp,
        value: z.number({ error: 'count value must be a whole number' }).int('count value must be a whole number').min(0).max(1_000_000_000),
      })
      .describe('How many matching touchpoints')
      .optional(),
    sum: z
      .strictObject({ prop: name('prop'), op: aggregateOp, value: z.number({ error: 'sum value must be a number' }) })
      .describe('Sum of a numeric prop over the matching touchpoints (0 when there are none); non-numeric values are skipped')
      .optional(),
    withinDays: days('withinDays').describe('Only touchpoints of the last N days (N × 24 h before now); all time when omitted').optional(),
  })
  .refine((n) => n.event !== undefined || n.type !== undefined, { message: 'an event condition needs "event", "type" or both', path: ['event'] })
  .describe('Touchpoints of the customer (merged profiles included) with this event name and/or touchpoint type. Without count or sum: at least one. With both: both must hold.');

/** Event conditions are told apart by `event` or, when they select by type alone, `type`. */
export const isEventRule = (rule: Rule): rule is EventRule => 'event' in rule || 'type' in rule;

const seenWindow = (what: string) =>
  z
    .strictObject({
      olderThanDays: days('olderThanDays').describe(`${what} more than N days ago`).optional(),
      newerThanDays: days('newerThanDays').describe(`${what} within the last N days`).optional(),
    })
    .refine((w) => w.olderThanDays !== undefined || w.newerThanDays !== undefined, 'needs olderThanDays or newerThanDays (or both)');

export const LastSeenRuleSchema = z
  .strictObject({ lastSeen: seenWindow('Last seen') })
  .describe('Recency of the last touchpoint; a customer never seen does not match');
export const FirstSeenRuleSchema = z
  .strictObject({ firstSeen: seenWindow('First seen') })
  .describe('Age of the first touchpoint; a customer never seen does not match');
export const HasTagRuleSchema = z.strictObject({ hasTag: name('hasTag').describe('Tag key') });
export const InSegmentRuleSchema = z.strictObject({
  inSegment: name('inSegment').describe('Segment id; matches current members'),
});

export const InClusterRuleSchema = z
  .strictObject({
    inCluster: z.strictObject({
      run: name('run').describe('A clusterCustomers run id, or "latest" for the newest run'),
      cluster: z.number({ error: 'cluster must be a whole number' }).int('cluster must be a whole number').min(0, 'cluster is 0 or more').max(100, 'cluster is at most 100'),
    }),
  })
  .describe('The customer was put in this cluster (0 = the largest) by the clustering run (docs/clusters.md)');

export const AccountRuleSchema = z
  .strictObject({
    account: z
      .strictObject({
        groupId: name('groupId').describe('Only the account with this groupId (as its group calls sent it)').optional(),
        where: z.array(TraitRuleSchema).max(MAX_WHERE, `at most ${MAX_WHERE} filters`).describe('Filters on the account traits; all must hold for the same account').optional(),
      })
      .describe('Any account when empty'),
  })
  .describe('The customer (or a customer merged into them) belongs to an account, through group calls, that has groupId (when given) and passes every where filter.');

const rules = () => z.array(RuleSchema).min(1, 'needs at least one rule').max(MAX_NODES);

export const RuleSchema: z.ZodType<Rule> = z
  .lazy(() =>
    z.union([
      z.strictObject({ and: rules() }).describe('All of these'),
      z.strictObject({ or: rules() }).describe('Any of these'),
      z.strictObject({ not: RuleSchema }).describe('Not this'),
      AttrRuleSchema,
      TraitRuleSchema,
      EventRuleSchema,
      LastSeenRuleSchema,
      FirstSeenRuleSchema,
      HasTagRuleSchema,
      InSegmentRuleSchema,
      InClusterRuleSchema,
      AccountRuleSchema,
    ]),
  )
  .describe(`A segment rule (at most ${MAX_DEPTH} levels deep and ${MAX_NODES} nodes)`);

const LEAVES = {
  attr: AttrRuleSchema,
  trait: TraitRuleSchema,
  event: EventRuleSchema,
  lastSeen: LastSeenRuleSchema,
  firstSeen: FirstSeenRuleSchema,
  hasTag: HasTagRuleSchema,
  inSegment: InSegmentRuleSchema,
  inCluster: InClusterRuleSchema,
  account: AccountRuleSchema,
} as const;
const KINDS = ['and', 'or', 'not', ...Object.keys(LEAVES)] as const;

// ---- parsing ----

export type ParseRuleResult = { ok: true; rule: Rule } | { ok: false; path: string; message: string };

class RuleError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const joinPath = (path: string, key: string | number | symbol) =>
  typeof key === 'number' ? `${path}[${key}]` : IDENTIFIER.test(String(key)) ? `${path}.${String(key)}` : `${path}[${JSON.stringify(String(key))}]`;

/** Validates a rule. On failure, `path` is the JSON path of the offending node and `message` says why. */
export function parseRule(json: unknown): ParseRuleResult {
  const counter = { nodes: 0 };
  try {
    return { ok: true, rule: walk(json, '$', 1, counter) };
  } catch (err) {
    if (err instanceof RuleError) return { ok: false, path: err.path, message: err.message };
    throw err;
  }
}

function walk(node: unknown, path: string, depth: number, counter: { nodes: number }): Rule {
  if (depth > MAX_DEPTH) throw new RuleError(path, `rules nest at most ${MAX_DEPTH} levels deep`);
  if (++counter.nodes > MAX_NODES) throw new RuleError(path, `a rule has at most ${MAX_NODES} nodes`);
  if (!isObject(node)) throw new RuleError(path, `expected a rule object with one of the keys ${KINDS.join(', ')}`);
  // `type` alone also makes an event condition ({ "type": "PAGE" }).
  const kinds = KINDS.filter((k) => Object.hasOwn(node, k) || (k === 'event' && Object.hasOwn(node, 'type')));
  if (kinds.length === 0) {
    const keys = Object.keys(node);
    const found = keys.length > 0 ? ` (found ${keys.map((k) => JSON.stringify(k)).join(', ')})` : '';
    throw new RuleError(path, `unknown rule${found}: expected one of the keys ${KINDS.join(', ')}`);
  }
  if (kinds.length > 1) throw new RuleError(path, `a rule has exactly one of ${KINDS.join(', ')}; found ${kinds.join(' and ')}`);
  const kind = kinds[0]!;
  if (kind === 'and' || kind === 'or' || kind === 'not') {
    for (const key of Object.keys(node)) if (key !== kind) throw new RuleError(joinPath(path, key), `unknown key "${key}"`);
    const at = joinPath(path, kind);
    if (kind === 'not') return { not: walk(node.not, at, depth + 1, counter) };
    const children = node[kind];
    if (!Array.isArray(children)) throw new RuleError(at, `"${kind}" takes an array of rules`);
    if (children.length === 0) throw new RuleError(at, `"${kind}" needs at least one rule`);
    const parsed = children.map((child, i) => walk(child, joinPath(at, i), depth + 1, counter));
    return kind === 'and' ? { and: parsed } : { or: parsed };
  }
  const result = (LEAVES[kind as keyof typeof LEAVES] as z.ZodType<Rule>).safeParse(node);
  if (result.success) return result.data;
  const issue = deepestIssue(result.error.issues);
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0]!;
    throw new RuleError(joinPath(issue.path.reduce<string>(joinPath, path), key), `unknown key "${key}"`);
  }
  throw new RuleError(issue.path.reduce<string>(joinPath, path), issue.message);
}

/**
 * The issue to report. Inside a failed union, the branch that got furthest is the one the author meant:
 * the deepest issue, or at equal depth one from a branch that accepted the type (an array too long
 * rather than "not a string").
 */
function deepestIssue(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue {
  const first = issues[0]!;
  if (first.code !== 'invalid_union' || first.errors.length === 0) return first;
  const wrongType = (i: z.core.$ZodIssue) => i.code === 'invalid_type' || i.code === 'invalid_union';
  const rank = (i: z.core.$ZodIssue) => i.path.length * 2 + (wrongType(i) ? 0 : 1);
  const candidates = first.errors.filter((e) => e.length > 0).map((e) => deepestIssue(e));
  if (candidates.length === 0) return first;
  const best = candidates.reduce((a, b) => (rank(b) > rank(a) ? b : a));
  // When no branch accepted the value's type, say what the union accepts rather than one branch's complaint.
  if (rank(best) === 0) return { ...first, message: 'expected a string, number, boolean, or an array of them' };
  return { ...best, path: [...first.path, ...best.path] };
}

/**
 * JSON Schema (draft 2020-12) of a rule, for editors; parseRule remains the authority (limits, op/value
 * pairs). Refinements do not carry over to JSON Schema; the one an editor most needs is added by hand:
 * an event condition names an event, a type, or both (otherwise `{}` would pass as one).
 */
export function ruleJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(RuleSchema, {
    override: (ctx) => {
      if (ctx.zodSchema === EventRuleSchema) ctx.jsonSchema.anyOf = [{ required: ['event'] }, { required: ['type'] }];
    },
  }) as Record<string, unknown>;
}
