/** The visual builder's conditions and the rule language's JSON (docs/rules.md). */
export type Op = 'eq' | 'neq' | 'gt' | 'gte' | 'lt' | 'lte' | 'in' | 'contains' | 'exists';
export const OPS: Op[] = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'in', 'contains', 'exists'];

export type Condition =
  | { kind: 'attr'; field: string; op: Op; value: string }
  | { kind: 'trait'; field: string; op: Op; value: string }
  | { kind: 'event'; field: string; op: Op; value: string; withinDays: string }
  | { kind: 'hasTag'; field: string }
  | { kind: 'lastSeen'; older: boolean; days: string };

export const blank = (kind: Condition['kind']): Condition =>
  kind === 'hasTag'
    ? { kind, field: '' }
    : kind === 'lastSeen'
      ? { kind, older: true, days: '30' }
      : kind === 'event'
        ? { kind, field: 'Order Completed', op: 'gte', value: '1', withinDays: '30' }
        : { kind, field: kind === 'attr' ? 'country' : 'plan', op: 'eq', value: '' };

/** Numbers stay numbers, "a, b" under `in` becomes a list. */
function typed(op: Op, v: string): unknown {
  if (op === 'in') return v.split(',').map((x) => typed('eq', x.trim()));
  return v.trim() !== '' && !Number.isNaN(Number(v)) ? Number(v) : v;
}

export function toRule(join: 'and' | 'or', conditions: Condition[]): unknown {
  const parts = conditions.map((c) => {
    switch (c.kind) {
      case 'attr':
      case 'trait':
        return c.op === 'exists' ? { [c.kind]: c.field, op: c.op } : { [c.kind]: c.field, op: c.op, value: typed(c.op, c.value) };
      case 'event':
        return { event: c.field, count: { op: c.op, value: Number(c.value) }, withinDays: Number(c.withinDays) };
      case 'hasTag':
        return { hasTag: c.field };
      case 'lastSeen':
        return { lastSeen: c.older ? { olderThanDays: Number(c.days) } : { newerThanDays: Number(c.days) } };
    }
  });
  return parts.length === 1 ? parts[0] : { [join]: parts };
}
