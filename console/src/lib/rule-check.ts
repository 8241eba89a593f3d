/**
 * Checks a rule's JSON in the browser against `segmentRuleSchema` (the JSON Schema, draft 2020-12, that
 * the server derives from its rule language) with @cfworker/json-schema, so the segment builder names
 * the offending node as it is typed, before Preview. The server's own check stays the authority: the
 * schema does not carry every rule (which ops take which values, nesting and node limits; docs/rules.md).
 *
 * A rule is a union (JSON Schema `anyOf`) of node kinds, so a wrong node fails every branch. As the
 * server does, the error shown is the one from the branch the author meant: the branch the node's keys
 * fit best (fewest missing or unknown keys), then its deepest error. Paths are written as the server
 * writes them: `$.and[1].count.op`. Messages are the validator's, not the server's words.
 */
import { Validator, type OutputUnit, type Schema } from '@cfworker/json-schema';

export interface RuleProblem {
  /** JSON path of the offending node, e.g. `$.and[1].count.op` (empty when the text does not parse). */
  path: string;
  message: string;
}

export type RuleCheck = (rule: unknown) => RuleProblem | null;

/** Keywords that only say that something below them failed. */
const SUMMARY = new Set(['anyOf', 'oneOf', 'allOf', '$ref', '$dynamicRef', 'items', 'prefixItems', 'properties', 'not', 'if', 'then', 'else']);

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** `#/and/1/count` → `$.and[1].count` (JSON Pointer decoding included). */
export function pointerToPath(pointer: string): string {
  const parts = pointer.replace(/^#/, '').split('/').slice(1);
  let path = '$';
  for (const raw of parts) {
    const part = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    path += /^\d+$/.test(part) ? `[${part}]` : IDENTIFIER.test(part) ? `.${part}` : `[${JSON.stringify(part)}]`;
  }
  return path;
}

const depth = (e: OutputUnit) => (e.instanceLocation === '#' ? 0 : e.instanceLocation.split('/').length - 1);
const parentOf = (location: string) => location.slice(0, location.lastIndexOf('/'));
/** Our name for an `additionalProperties: false` failure, located at the unknown key itself. */
const UNKNOWN_KEY = 'unknownKey';
const isUnknownKey = (e: OutputUnit) => e.keyword === UNKNOWN_KEY;

/**
 * The validator reports an unknown key twice: `additionalProperties` at the object (keywordLocation in
 * the branch) and then `false` at the key (keywordLocation without the branch). One error at the key,
 * in the branch, is kept instead.
 */
function unknownKeys(errors: OutputUnit[]): OutputUnit[] {
  const out: OutputUnit[] = [];
  errors.forEach((e, i) => {
    const next = errors[i + 1];
    if (e.keyword === 'additionalProperties' && next?.keyword === 'false') out.push({ ...e, keyword: UNKNOWN_KEY, instanceLocation: next.instanceLocation });
    else if (e.keyword !== 'false' || errors[i - 1]?.keyword !== 'additionalProperties') out.push(e);
  });
  return out;
}

/** How badly a branch's errors say the node at `at` is of another kind: keys missing at it, keys unknown below it. */
function misfit(errors: OutputUnit[], at: string): number {
  return errors.filter((e) => (e.keyword === 'required' && e.instanceLocation === at) || (isUnknownKey(e) && parentOf(e.instanceLocation) === at)).length;
}

interface Context {
  /** The value at a JSON Pointer of the rule. */
  nodeAt: (pointer: string) => unknown;
  /** The rule's node kinds, by the key that names each (from the schema's top-level union). */
  kinds: string[];
}

/**
 * The error to show out of a failed validation's flat list. An `anyOf` failure's errors are followed by
 * those of its branches (keywordLocation `<anyOf>/<i>/…`). The branch kept, recursively, is the one
 * that fits the node best: fewest missing or unknown keys, then one that accepted the value's type,
 * then the deepest error; its deepest leaf error wins. A node none of whose keys any kind knows is
 * reported at the node, as the server does ("unknown rule").
 */
function pick(errors: OutputUnit[], ctx: Context): OutputUnit | undefined {
  const union = errors.find((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf');
  if (union) {
    const prefix = `${union.keywordLocation}/`;
    const inside = errors.filter((e) => e.keywordLocation.startsWith(prefix));
    const outside = errors.filter((e) => e !== union && !e.keywordLocation.startsWith(prefix));
    const branches = new Map<string, OutputUnit[]>();
    for (const e of inside) {
      const branch = e.keywordLocation.slice(prefix.length).split('/')[0]!;
      branches.set(branch, [...(branches.get(branch) ?? []), e]);
    }
    if (branches.size > 0) {
      const ranked = [...branches.values()].map((list) => {
        const leaf = pick(list, ctx);
        return { list, leaf, misfit: misfit(list, union.instanceLocation), wrongType: leaf?.keyword === 'type' ? 1 : 0, depth: leaf ? depth(leaf) : 0 };
      });
      const best = ranked.reduce((a, b) => (b.misfit - a.misfit || b.wrongType - a.wrongType || a.depth - b.depth) < 0 ? b : a);
      const node = ctx.nodeAt(union.instanceLocation);
      const unknown = best.list.filter((e) => isUnknownKey(e) && parentOf(e.instanceLocation) === union.instanceLocation).length;
      const keys = node && typeof node === 'object' && !Array.isArray(node) ? Object.keys(node) : null;
      if (keys && best.misfit > 0 && unknown === keys.length) {
        const found = keys.length > 0 ? ` (found ${keys.map((k) => JSON.stringify(k)).join(', ')})` : '';
        return { ...union, keyword: 'noKind', error: `unknown rule${found}: expected one of the keys ${ctx.kinds.join(', ')}` };
      }
      // Errors outside the union (a sibling key's) win when they are deeper.
      const other = outside.length > 0 ? pick(outside, ctx) : undefined;
      return other && best.leaf && depth(other) > depth(best.leaf) ? other : (best.leaf ?? other ?? union);
    }
  }
  const leaves = errors.filter((e) => !SUMMARY.has(e.keyword));
  const list = leaves.length > 0 ? leaves : errors;
  return list.reduce<OutputUnit | undefined>((a, b) => (!a || depth(b) > depth(a) ? b : a), undefined);
}

/** Follows a JSON Pointer (`#/and/1`) into a value. */
function at(value: unknown, pointer: string): unknown {
  let node = value;
  for (const raw of pointer.replace(/^#/, '').split('/').slice(1)) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    node = node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
  }
  return node;
}

/** The key that names each kind of node of the top-level union: its required key, or its first property. */
function kindsOf(schema: unknown): string[] {
  const branches = (schema as { anyOf?: { required?: string[]; properties?: Record<string, unknown> }[] }).anyOf ?? [];
  return branches.map((b) => b.required?.[0] ?? Object.keys(b.properties ?? {})[0]).filter((k): k is string => Boolean(k));
}

/** Words for an error, as close to the server's as the schema allows. */
function describe(e: OutputUnit): { path: string; message: string } {
  if (isUnknownKey(e)) {
    const key = decodeURIComponent(e.instanceLocation.slice(e.instanceLocation.lastIndexOf('/') + 1)).replace(/~1/g, '/').replace(/~0/g, '~');
    return { path: pointerToPath(e.instanceLocation), message: `unknown key "${key}"` };
  }
  return { path: pointerToPath(e.instanceLocation), message: e.error.replace(/^Instance /, 'value ') };
}

/** A checker for one schema (compiling it once); answers null for a rule the schema accepts. */
export function ruleChecker(schema: unknown): RuleCheck {
  const validator = new Validator(schema as Schema, '2020-12', false);
  const kinds = kindsOf(schema);
  return (rule) => {
    const result = validator.validate(rule);
    if (result.valid) return null;
    const e = pick(unknownKeys(result.errors), { nodeAt: (pointer) => at(rule, pointer), kinds });
    return e ? describe(e) : { path: '$', message: 'the rule does not match the rule language' };
  };
}

/** The JSON view's text: does it parse, and does the rule fit the schema. */
export function checkRuleJson(text: string, check: RuleCheck): RuleProblem | null {
  let rule: unknown;
  try {
    rule = JSON.parse(text);
  } catch (e) {
    return { path: '', message: `The JSON does not parse: ${(e as Error).message}` };
  }
  return check(rule);
}
