/**
 * How CSV columns become `CustomerInput` / `TouchpointInput` rows for `cdp import`. Pure: no I/O, so
 * every rule here is unit-tested (tests/unit/import-mapping.test.ts).
 *
 * A mapping says, for each input field, where its value comes from:
 *   - a column:    `--map email=Email`            (the cell, trimmed; an empty cell leaves the field out)
 *   - a template:  `--map messageId=lead-{mql_id}` (text with `{column}` placeholders; empty if any is)
 *   - a constant:  `--set source=olist`
 * plus, for touchpoints, a value map for channels: `--channel-map paid_search=SEARCH`.
 *
 * Everything that would make the server refuse a whole batch (a non-null field left out, an enum or
 * number it cannot coerce) is caught here and reported against the row instead, so one bad row never
 * costs the other rows of its batch.
 */
import { Channel, IdentityType, TouchpointType } from '../../generated/prisma/enums.ts';
// Type-only: the client builds exactly the server's GraphQL input shapes, checked by the compiler.
import type { CustomerInput } from '../../modules/customers/customer.inputs.ts';
import type { TouchpointInput } from '../../modules/touchpoints/touchpoint.inputs.ts';

export type ImportKind = 'customers' | 'touchpoints';

export const CUSTOMER_FIELDS = [
  'externalId', 'source', 'email', 'phone', 'firstName', 'lastName', 'name', 'gender', 'birthday', 'country', 'city', 'company',
] as const;
export const TOUCHPOINT_FIELDS = [
  'messageId', 'type', 'event', 'channel', 'source', 'userId', 'anonymousId', 'occurredAt', 'revenue', 'currency',
] as const;

/** `trait.<key>` for customers, `property.<key>` for touchpoints; `identity.<TYPE>` for both. */
const BAG_PREFIX: Record<ImportKind, string> = { customers: 'trait.', touchpoints: 'property.' };
const IDENTITY_PREFIX = 'identity.';

const IDENTITY_TYPES = Object.values(IdentityType) as string[];
const CHANNELS = Object.values(Channel) as string[];
const TOUCHPOINT_TYPES = Object.values(TouchpointType) as string[];

/** Channel-map key that matches any value not listed (including an empty cell). */
export const ANY_VALUE = '*';

export type ValueSource = { column: string } | { template: TemplatePart[] } | { constant: string };
export type TemplatePart = { text: string } | { column: string };

export interface Mapping {
  kind: ImportKind;
  /** Field name (as written: `email`, `identity.CRM_ID`, `trait.plan`) → where its value comes from. */
  fields: Map<string, ValueSource>;
  /** Lower-cased, trimmed CSV value → channel; `*` is the fallback. */
  channelMap: Map<string, Channel>;
}

/** What the user wrote, before checking: from --map-file, then the flags (flags win field by field). */
export interface MappingOptions {
  map?: Record<string, string>;
  set?: Record<string, string>;
  channelMap?: Record<string, string>;
}

export class MappingError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'MappingError';
  }
}

/** `["a=b", "c=d=e"]` → `{ a: "b", c: "d=e" }` (split at the first `=`; the value may be empty). */
export function parseAssignments(values: readonly string[], flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  const problems: string[] = [];
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq < 0) {
      problems.push(`${flag} ${JSON.stringify(v)}: expected NAME=VALUE`);
      continue;
    }
    out[v.slice(0, eq).trim()] = v.slice(eq + 1);
  }
  if (problems.length) throw new MappingError(problems);
  return out;
}

/**
 * The --map-file JSON: either `{ "map": {...}, "set": {...}, "channelMap": {...} }` or, as a
 * shorthand, a flat `{ "field": "column" }` object.
 */
export function parseMappingFile(json: unknown, file = 'mapping file'): MappingOptions {
  const isStringRecord = (v: unknown): v is Record<string, string> =>
    v !== null && typeof v === 'object' && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string');
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new MappingError([`${file}: expected a JSON object`]);
  const obj = json as Record<string, unknown>;
  const sections = ['map', 'set', 'channelMap'];
  const keys = Object.keys(obj);
  if (keys.some((k) => sections.includes(k))) {
    const problems: string[] = [];
    for (const k of keys) {
      if (!sections.includes(k)) problems.push(`${file}: unknown key "${k}" (expected ${sections.join(', ')})`);
      else if (!isStringRecord(obj[k])) problems.push(`${file}: "${k}" must be an object of strings`);
    }
    if (problems.length) throw new MappingError(problems);
    return obj as MappingOptions;
  }
  if (!isStringRecord(obj)) throw new MappingError([`${file}: expected { "field": "column", ... } or { "map": ..., "set": ..., "channelMap": ... }`]);
  return { map: obj };
}

/** Column name or `{column}` template. A template is anything with a `{...}` placeholder. */
export function parseColumnSource(spec: string): ValueSource {
  if (!/\{[^{}]+\}/.test(spec)) return { column: spec.trim() };
  const parts: TemplatePart[] = [];
  const re = /\{([^{}]+)\}/g;
  let last = 0;
  for (let m = re.exec(spec); m; m = re.exec(spec)) {
    if (m.index > last) parts.push({ text: spec.slice(last, m.index) });
    parts.push({ column: m[1]!.trim() });
    last = m.index + m[0].length;
  }
  if (last < spec.length) parts.push({ text: spec.slice(last) });
  return { template: parts };
}

function fieldProblem(kind: ImportKind, field: string): string | null {
  const plain: readonly string[] = kind === 'customers' ? CUSTOMER_FIELDS : TOUCHPOINT_FIELDS;
  if (plain.includes(field)) return null;
  if (field.startsWith(IDENTITY_PREFIX)) {
    const type = field.slice(IDENTITY_PREFIX.length);
    return IDENTITY_TYPES.includes(type) ? null : `"${field}": identity type must be one of ${IDENTITY_TYPES.join(', ')}`;
  }
  const bag = BAG_PREFIX[kind];
  if (field.startsWith(bag)) return field.length > bag.length ? null : `"${field}": needs a key, e.g. ${bag}plan`;
  return `unknown ${kind} field "${field}"; fields are ${plain.join(', ')}, ${IDENTITY_PREFIX}<TYPE>, ${bag}<key>`;
}

/** Upper-cased channel name if it is one, else null. */
function channelName(value: string): Channel | null {
  const name = value.trim().toUpperCase();
  return CHANNELS.includes(name) ? (name as Channel) : null;
}

/** Checks and combines what the user wrote; every problem is reported at once. */
export function buildMapping(kind: ImportKind, layers: readonly MappingOptions[]): Mapping {
  const problems: string[] = [];
  const fields = new Map<string, ValueSource>();
  const channelMap = new Map<string, Channel>();
  for (const layer of layers) {
    const mapped = Object.keys(layer.map ?? {});
    for (const field of mapped) if (layer.set && field in layer.set) problems.push(`"${field}" is both mapped to a column and set to a constant`);
    for (const [field, spec] of Object.entries(layer.map ?? {})) {
      const source = parseColumnSource(spec);
      if ('column' in source && !source.column) problems.push(`"${field}": no column name given`);
      fields.set(field, source);
    }
    for (const [field, value] of Object.entries(layer.set ?? {})) fields.set(field, { constant: value });
    for (const [from, to] of Object.entries(layer.channelMap ?? {})) {
      const channel = channelName(to);
      if (!channel) problems.push(`channel map "${from}=${to}": "${to}" is not one of ${CHANNELS.join(', ')}`);
      else channelMap.set(from.trim().toLowerCase(), channel);
    }
  }
  for (const field of fields.keys()) {
    const p = fieldProblem(kind, field);
    if (p) problems.push(p);
  }
  if (channelMap.size && kind !== 'touchpoints') problems.push('--channel-map applies to touchpoints only');

  const constant = (field: string) => {
    const s = fields.get(field);
    return s && 'constant' in s ? s.constant : undefined;
  };
  if (kind === 'touchpoints') {
    if (!fields.has('messageId'))
      problems.push('touchpoints need a messageId (a resend with the same one is a duplicate): e.g. --map messageId=order_id or --map "messageId=lead-{id}"');
    const type = constant('type');
    if (type !== undefined && !TOUCHPOINT_TYPES.includes(type.trim().toUpperCase()))
      problems.push(`type "${type}" is not one of ${TOUCHPOINT_TYPES.join(', ')}`);
    const channel = constant('channel');
    if (channel !== undefined && !channelMap.has(channel.trim().toLowerCase()) && !channelName(channel) && !channelMap.has(ANY_VALUE))
      problems.push(`channel "${channel}" is not one of ${CHANNELS.join(', ')}`);
    const revenue = constant('revenue');
    if (revenue !== undefined && revenue.trim() !== '' && parseNumber(revenue) === null) problems.push(`revenue "${revenue}" is not a number`);
  } else {
    const keyed = [...fields.keys()].some((f) => f === 'externalId' || f === 'email' || f === 'phone' || f.startsWith(IDENTITY_PREFIX));
    if (!keyed)
      problems.push('customers need a key to be matched on, or a second import would create them again: map externalId (with source), email, phone or an identity.<TYPE>');
  }
  if (problems.length) throw new MappingError(problems);
  return { kind, fields, channelMap };
}

/** Every column the mapping reads. */
export function mappedColumns(m: Mapping): string[] {
  const out = new Set<string>();
  for (const s of m.fields.values()) {
    if ('column' in s) out.add(s.column);
    else if ('template' in s) for (const p of s.template) if ('column' in p) out.add(p.column);
  }
  return [...out];
}

/** Problems with the header: mapped columns that are missing or ambiguous. */
export function checkHeader(m: Mapping, header: readonly string[]): string[] {
  const problems: string[] = [];
  for (const column of mappedColumns(m)) {
    const n = header.filter((h) => h === column).length;
    if (n === 0) problems.push(`no column "${column}" in the file; its columns are: ${header.join(', ')}`);
    else if (n > 1) problems.push(`column "${column}" appears ${n} times in the header`);
  }
  return problems;
}

export interface FieldError {
  field: string;
  /** MISSING_VALUE: a required field is empty; INVALID_VALUE: the server could not take the value. */
  code: 'MISSING_VALUE' | 'INVALID_VALUE';
  message: string;
}

export type MappedRow<T> = { ok: true; input: T } | { ok: false; errors: FieldError[] };

/** A finite number written plainly (`12`, `-3.5`, `1e3`), else null. */
export function parseNumber(raw: string): number | null {
  const t = raw.trim();
  if (!/^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?$/i.test(t)) return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
}

function resolve(source: ValueSource, row: Readonly<Record<string, string>>): string {
  if ('constant' in source) return source.constant.trim();
  if ('column' in source) return (row[source.column] ?? '').trim();
  let out = '';
  for (const part of source.template) {
    if ('text' in part) out += part.text;
    else {
      const v = (row[part.column] ?? '').trim();
      if (!v) return ''; // "lead-" alone is not an id
      out += v;
    }
  }
  return out.trim();
}

function describe(source: ValueSource): string {
  if ('column' in source) return `column "${source.column}"`;
  if ('template' in source) return `"${source.template.map((p) => ('text' in p ? p.text : `{${p.column}}`)).join('')}"`;
  return 'constant';
}

/** The channel for a cell: the channel map, else a channel name as such, else the `*` fallback. */
export function mapChannel(m: Mapping, raw: string): { ok: true; channel: Channel | null } | { ok: false; message: string } {
  const value = raw.trim();
  const listed = m.channelMap.get(value.toLowerCase());
  if (listed) return { ok: true, channel: listed };
  if (value === '') return { ok: true, channel: m.channelMap.get(ANY_VALUE) ?? null }; // null: the server infers it
  const named = channelName(value);
  if (named) return { ok: true, channel: named };
  const fallback = m.channelMap.get(ANY_VALUE);
  if (fallback) return { ok: true, channel: fallback };
  return { ok: false, message: `"${value}" is not a channel; map it with --channel-map '${value}=CHANNEL'` };
}

/**
 * One CSV row (header → cell) as a GraphQL input, or the reasons it cannot be sent. Empty cells leave
 * their field out (never null, which would clear a stored value).
 */
export function mapRow(m: Mapping, row: Readonly<Record<string, string>>): MappedRow<CustomerInput | TouchpointInput> {
  return m.kind === 'customers' ? mapCustomerRow(m, row) : mapTouchpointRow(m, row);
}

export function mapCustomerRow(m: Mapping, row: Readonly<Record<string, string>>): MappedRow<CustomerInput> {
  const errors: FieldError[] = [];
  const input: CustomerInput = {};
  for (const [field, source] of m.fields) {
    const value = resolve(source, row);
    if (!value) {
      // The row's key: without it the row would match nothing and create a keyless customer.
      if (field === 'externalId') errors.push({ field, code: 'MISSING_VALUE', message: `empty (${describe(source)})` });
      continue;
    }
    if (field.startsWith(IDENTITY_PREFIX)) (input.identities ??= []).push({ type: field.slice(IDENTITY_PREFIX.length) as IdentityType, value });
    else if (field.startsWith(BAG_PREFIX.customers)) (input.traits ??= {})[field.slice(BAG_PREFIX.customers.length)] = value;
    else input[field as (typeof CUSTOMER_FIELDS)[number]] = value;
  }
  return errors.length ? { ok: false, errors } : { ok: true, input };
}

export function mapTouchpointRow(m: Mapping, row: Readonly<Record<string, string>>): MappedRow<TouchpointInput> {
  const errors: FieldError[] = [];
  const input: TouchpointInput = { messageId: '', type: 'TRACK' };
  for (const [field, source] of m.fields) {
    const value = resolve(source, row);
    if (field === 'channel') {
      // Runs for empty cells too: the channel map may say what an empty origin means.
      const c = mapChannel(m, value);
      if (!c.ok) errors.push({ field, code: 'INVALID_VALUE', message: c.message });
      else if (c.channel) input.channel = c.channel;
      continue;
    }
    if (!value) {
      if (field === 'messageId') errors.push({ field, code: 'MISSING_VALUE', message: `empty (${describe(source)})` });
      continue;
    }
    if (field.startsWith(IDENTITY_PREFIX)) (input.identities ??= []).push({ type: field.slice(IDENTITY_PREFIX.length) as IdentityType, value });
    else if (field.startsWith(BAG_PREFIX.touchpoints)) (input.properties ??= {})[field.slice(BAG_PREFIX.touchpoints.length)] = value;
    else if (field === 'type') {
      const type = value.toUpperCase();
      if (TOUCHPOINT_TYPES.includes(type)) input.type = type as TouchpointType;
      else errors.push({ field, code: 'INVALID_VALUE', message: `"${value}" is not one of ${TOUCHPOINT_TYPES.join(', ')}` });
    } else if (field === 'revenue') {
      const n = parseNumber(value);
      if (n === null) errors.push({ field, code: 'INVALID_VALUE', message: `"${value}" is not a number` });
      // Zero is "no revenue": the server counts only revenue > 0 as an order, and CRM exports write
      // 0 for "not declared".
      else if (n !== 0) input.revenue = n;
    } else input[field as 'messageId' | 'event' | 'source' | 'userId' | 'anonymousId' | 'occurredAt' | 'currency'] = value;
  }
  return errors.length ? { ok: false, errors } : { ok: true, input };
}
