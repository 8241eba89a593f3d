/**
 * Validation of breakdown dimensions (the SQL that reads them is breakdown.sql.ts): what each `by`
 * needs as a key, the attributes that may be read, and how many dimensions one answer may have.
 */
import { ErrorCode, UserError } from '../../errors.ts';
import { BreakdownBy, type BreakdownInput } from './breakdown.types.ts';

export const MAX_BREAKDOWNS = 3;
export const MAX_KEY = 256;
/** Deepest CONTEXT path ("campaign.name" is 2). */
export const MAX_CONTEXT_DEPTH = 5;

/**
 * Customer columns a breakdown may read. Personal columns (email, phone, names, birthday) are left
 * out: grouping by them would list people one by one.
 */
export const BREAKDOWN_ATTRIBUTES = ['country', 'city', 'gender', 'company', 'source', 'rfmTier', 'cluster', 'conversionProbability', 'churnProbability'] as const;
export type BreakdownAttribute = (typeof BREAKDOWN_ATTRIBUTES)[number];

export type Dimension =
  | { by: 'CHANNEL' | 'SOURCE_NAME' | 'SEGMENT' | 'HOUR_OF_DAY' | 'DAY_OF_WEEK' | 'SENTIMENT' }
  | { by: 'EVENT_PROPERTY' | 'TRAIT' | 'ACCOUNT_TRAIT'; key: string }
  | { by: 'CONTEXT'; path: string[] }
  | { by: 'ATTRIBUTE'; attribute: BreakdownAttribute };

const KEYED = new Set<BreakdownBy>([BreakdownBy.EVENT_PROPERTY, BreakdownBy.TRAIT, BreakdownBy.ACCOUNT_TRAIT, BreakdownBy.CONTEXT, BreakdownBy.ATTRIBUTE]);

const bad = (message: string, field: string, extra: Record<string, unknown> = {}) => new UserError(ErrorCode.BAD_BREAKDOWN, message, { field, ...extra });

export function validDimension(b: BreakdownInput, field: string): Dimension {
  const key = b.key ?? null;
  if (!KEYED.has(b.by)) {
    if (key !== null) throw bad(`${b.by} takes no key`, `${field}.key`);
    return { by: b.by as 'CHANNEL' | 'SOURCE_NAME' | 'SEGMENT' | 'HOUR_OF_DAY' | 'DAY_OF_WEEK' | 'SENTIMENT' };
  }
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY) throw bad(`${b.by} needs a key of 1 to ${MAX_KEY} characters`, `${field}.key`);
  switch (b.by) {
    case BreakdownBy.ATTRIBUTE:
      if (!(BREAKDOWN_ATTRIBUTES as readonly string[]).includes(key))
        throw bad(`unknown attribute ${JSON.stringify(key)}; expected one of ${BREAKDOWN_ATTRIBUTES.join(', ')}`, `${field}.key`, { allowed: [...BREAKDOWN_ATTRIBUTES] });
      return { by: 'ATTRIBUTE', attribute: key as BreakdownAttribute };
    case BreakdownBy.CONTEXT: {
      const path = key.split('.');
      if (path.some((p) => p.length === 0) || path.length > MAX_CONTEXT_DEPTH)
        throw bad(`a CONTEXT key is a dotted path of 1 to ${MAX_CONTEXT_DEPTH} non-empty names, such as "device.type"`, `${field}.key`);
      return { by: 'CONTEXT', path };
    }
    default:
      return { by: b.by as 'EVENT_PROPERTY' | 'TRAIT' | 'ACCOUNT_TRAIT', key };
  }
}

export function validBreakdowns(input: readonly BreakdownInput[] | null | undefined, field = 'breakdown'): Dimension[] {
  const list = input ?? [];
  if (list.length > MAX_BREAKDOWNS)
    throw new UserError(ErrorCode.TOO_MANY_BREAKDOWNS, `at most ${MAX_BREAKDOWNS} breakdown dimensions (got ${list.length})`, { field, max: MAX_BREAKDOWNS });
  return list.map((b, i) => validDimension(b, `${field}[${i}]`));
}
