/** Funnel: validates the request, runs the one statement (funnel.repository.ts), shapes per-step stats. */
import type { Database } from '../../db/client.ts';
import { ErrorCode, UserError } from '../../errors.ts';
import { validScope, type AnalyticsScopeInput } from './analytics.scope.ts';
import { validBreakdowns, type Dimension } from './breakdown.service.ts';
import type { BreakdownInput } from './breakdown.types.ts';
import { funnelRepository, MAX_GROUPS, type FunnelRow, type FunnelStepSpec, type Scalar, type StepFilter } from './funnel.repository.ts';
import {
  FunnelBreakdownKind,
  PropertyOp,
  type FunnelBreakdownInput,
  type FunnelDropOff,
  type FunnelGroup,
  type FunnelResult,
  type FunnelStep,
  type FunnelStepInput,
} from './funnel.types.ts';

export const MAX_STEPS = 10;
export const MAX_WINDOW_HOURS = 8760;
export const MAX_FILTERS = 20;
export const MAX_NAME = 256;
const MAX_IN = 100;

const bad = (message: string, field: string) => new UserError(ErrorCode.BAD_USER_INPUT, message, { field });

/** An event name a query refers to: non-empty, at most MAX_NAME characters. */
export function eventName(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0) throw bad(`${field} must be a non-empty event name`, field);
  if (value.length > MAX_NAME) throw bad(`${field} is longer than ${MAX_NAME} characters`, field);
  return value;
}

/** Refuses the names no touchpoint has ever carried: almost always a typo, never a silent empty answer. */
export async function assertKnownEvents(db: Database, events: string[]): Promise<void> {
  const unknown = await funnelRepository.unknownEvents(db.prisma, [...new Set(events)]);
  if (unknown.length > 0) {
    throw new UserError(ErrorCode.UNKNOWN_EVENT, `unknown event${unknown.length > 1 ? 's' : ''}: ${unknown.map((e) => JSON.stringify(e)).join(', ')} (no touchpoint has ever had this name)`, {
      events: unknown,
    });
  }
}

const isScalar = (v: unknown): v is Scalar => typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));

export function validFilter(f: { prop: string; op: PropertyOp; value?: unknown }, field: string): StepFilter {
  if (typeof f.prop !== 'string' || f.prop.length === 0 || f.prop.length > MAX_NAME) throw bad(`${field}.prop must be 1 to ${MAX_NAME} characters`, `${field}.prop`);
  const v = f.value ?? null;
  const revenue = f.prop === 'revenue';
  if (f.op === PropertyOp.EXISTS) {
    if (v !== null) throw bad(`${field}: EXISTS takes no value`, `${field}.value`);
    return { prop: f.prop, op: f.op, value: null };
  }
  if (f.op === PropertyOp.IN) {
    if (!Array.isArray(v) || v.length === 0 || v.length > MAX_IN || !v.every(isScalar))
      throw bad(`${field}: IN takes a list of 1 to ${MAX_IN} strings, numbers or booleans`, `${field}.value`);
    if (revenue && !v.every((x) => typeof x === 'number')) throw bad(`${field}: revenue compares with numbers only`, `${field}.value`);
    return { prop: f.prop, op: f.op, value: v };
  }
  if (!isScalar(v)) throw bad(`${field}: ${f.op} takes a string, number or boolean value`, `${field}.value`);
  if (revenue && typeof v !== 'number') throw bad(`${field}: revenue compares with numbers only`, `${field}.value`);
  if (f.op === PropertyOp.CONTAINS && revenue) throw bad(`${field}: CONTAINS does not apply to revenue`, `${field}.op`);
  if ((f.op === PropertyOp.GT || f.op === PropertyOp.GTE || f.op === PropertyOp.LT || f.op === PropertyOp.LTE) && typeof v === 'boolean')
    throw bad(`${field}: ${f.op} compares numbers or strings, not booleans`, `${field}.value`);
  return { prop: f.prop, op: f.op, value: v };
}

export function validSteps(steps: FunnelStepInput[]): FunnelStepSpec[] {
  if (!Array.isArray(steps) || steps.length === 0) throw bad('a funnel needs at least one step', 'steps');
  if (steps.length > MAX_STEPS) throw bad(`a funnel has at most ${MAX_STEPS} steps (got ${steps.length})`, 'steps');
  return steps.map((s, i) => {
    const where = s.where ?? [];
    if (where.length > MAX_FILTERS) throw bad(`steps[${i}] has more than ${MAX_FILTERS} property filters`, `steps[${i}].where`);
    if (s.event == null && s.type == null) throw bad(`steps[${i}] needs an event, a type or both`, `steps[${i}].event`);
    return {
      event: s.event == null ? null : eventName(s.event, `steps[${i}].event`),
      type: s.type ?? null,
      channel: s.channel ?? null,
      where: where.map((f, j) => validFilter(f, `steps[${i}].where[${j}]`)),
    };
  });
}

/**
 * The breakdown dimensions: `breakdown` (the shared dimensions), or the deprecated `breakdownBy`
 * mapped onto them (CHANNEL → [CHANNEL], TRAIT → [TRAIT key]); not both.
 */
function validFunnelBreakdown(b: FunnelBreakdownInput | null | undefined, list: BreakdownInput[] | null | undefined): Dimension[] {
  if (b && list) throw bad('give breakdown or the deprecated breakdownBy, not both', 'breakdownBy');
  if (!b) return validBreakdowns(list);
  if (b.by === FunnelBreakdownKind.CHANNEL) {
    if (b.traitKey != null) throw bad('traitKey applies only to a TRAIT breakdown', 'breakdownBy.traitKey');
    return [{ by: 'CHANNEL' }];
  }
  if (typeof b.traitKey !== 'string' || b.traitKey.length === 0 || b.traitKey.length > MAX_NAME)
    throw bad(`a TRAIT breakdown needs a traitKey of 1 to ${MAX_NAME} characters`, 'breakdownBy.traitKey');
  return [{ by: 'TRAIT', key: b.traitKey }];
}

const ratio = (a: number, b: number) => (b === 0 ? null : a / b);

function stepsOf(specs: FunnelStepSpec[], rows: FunnelRow[]): FunnelStep[] {
  const byK = new Map(rows.map((r) => [r.k, r]));
  const counts = specs.map((_, i) => byK.get(i + 1)?.reached ?? 0);
  return specs.map((s, i) => {
    const count = counts[i]!;
    const prev = i === 0 ? count : counts[i - 1]!;
    return {
      index: i + 1,
      event: s.event,
      type: s.type,
      count,
      conversionFromPrevious: ratio(count, prev),
      conversionFromFirst: ratio(count, counts[0]!),
      dropOff: prev - count,
      dropOffRate: i === 0 ? null : ratio(prev - count, prev),
      medianSecondsFromPrevious: i === 0 ? null : (byK.get(i + 1)?.median ?? null),
    };
  });
}

/**
 * The step with the largest dropOffRate, the earliest on ties; null when no step has a rate (one step,
 * or nobody reached the steps before). By rate, not count: counts shrink along every funnel, so the
 * largest absolute loss is almost always at step 2 whatever happens later; the rate says which step
 * loses the largest share of the people who got to it.
 */
export function largestDropOff(steps: FunnelStep[]): FunnelDropOff | null {
  let best: FunnelDropOff | null = null;
  for (const s of steps)
    if (s.dropOffRate !== null && (best === null || s.dropOffRate > best.dropOffRate)) best = { step: s.index, event: s.event, dropOff: s.dropOff, dropOffRate: s.dropOffRate };
  return best;
}

export class FunnelService {
  constructor(
    private readonly db: Database,
    private readonly deps: { clock: () => Date } = { clock: () => new Date() },
  ) {}

  async funnel(args: {
    scope: AnalyticsScopeInput;
    steps: FunnelStepInput[];
    windowHours: number;
    breakdownBy?: FunnelBreakdownInput | null;
    breakdown?: BreakdownInput[] | null;
  }): Promise<FunnelResult> {
    const scope = validScope(args.scope);
    const steps = validSteps(args.steps);
    const w = args.windowHours;
    if (typeof w !== 'number' || !Number.isFinite(w) || w <= 0 || w > MAX_WINDOW_HOURS)
      throw bad(`windowHours must be more than 0 and at most ${MAX_WINDOW_HOURS} (got ${w})`, 'windowHours');
    const dims = validFunnelBreakdown(args.breakdownBy, args.breakdown);
    // Side by side: the check refuses the request before anyone reads the answer, and costs no latency.
    const [, rows] = await Promise.all([
      assertKnownEvents(this.db, steps.flatMap((s) => (s.event === null ? [] : [s.event]))),
      funnelRepository.run(this.db.prisma, { scope, steps, windowHours: w, dims, now: this.deps.clock() }),
    ]);
    const overall = rows.filter((r) => r.gi === null);
    let groups: FunnelGroup[] | null = null;
    let truncated = false;
    if (dims.length > 0) {
      const byGroup = new Map<number, FunnelRow[]>();
      for (const r of rows) if (r.gi !== null) byGroup.set(r.gi, [...(byGroup.get(r.gi) ?? []), r]);
      truncated = byGroup.has(MAX_GROUPS + 1);
      groups = [...byGroup.entries()]
        .filter(([gi]) => gi <= MAX_GROUPS)
        .sort(([a], [b]) => a - b)
        .map(([, rs]) => {
          const key = rs[0]!.grp ?? [];
          const groupSteps = stepsOf(steps, rs);
          return { value: key.length === 1 ? key[0]! : null, breakdownValue: key, steps: groupSteps, largestDropOff: largestDropOff(groupSteps) };
        });
    }
    const overallSteps = stepsOf(steps, overall);
    return { windowHours: w, steps: overallSteps, largestDropOff: largestDropOff(overallSteps), breakdown: groups, breakdownTruncated: truncated };
  }
}
