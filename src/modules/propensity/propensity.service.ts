/**
 * trainPropensity: builds training and evaluation examples with a time split, fits L2 logistic
 * regression, measures the held-out AUC, scores every customer and stores model and scores. Sets that
 * read churnProbability / conversionProbability are brought up to date in the same transaction.
 *
 * CONVERSION: examples are the customers seen before `asOf`; features come from their behaviour before
 * their first conversion event (all of it when they never converted), the label is "converted". Those
 * first seen before `splitAt` train the model, the later ones evaluate it.
 * CHURN (horizon H days): the model trains on behaviour before asOf − 2H labelled by "no touchpoint in
 * the next H days", is evaluated on behaviour before asOf − H with the same label, and scores behaviour
 * before asOf: the probability of no touchpoint in the H days after asOf.
 */
import { randomUUID } from 'node:crypto';
import type { Database, Db } from '../../db/client.ts';
import type { CustomerChange } from '../../lib/change-hooks.ts';
import { ErrorCode, UserError } from '../../errors.ts';
import type { PropensityKind } from '../../generated/prisma/enums.ts';
import type { Logger } from '../../logger.ts';
import type { SegmentService } from '../segments/segment.service.ts';
import { PROPENSITY_REF } from '../segments/rules/rule.graph.ts';
import { rocAuc } from './auc.ts';
import { fitLogistic, predict } from './logistic.ts';
import { featureNames, rawFeatures, standardise, standardiser, topEventKeys } from './propensity.features.ts';
import { propensityRepository, type Snapshot, type StoredModel } from './propensity.repository.ts';

/** Most customers one training reads (each snapshot is held in memory). */
export const MAX_PROPENSITY_CUSTOMERS = 100_000;
export const MAX_NUMERIC_PROPERTIES = 10;
const MAX_NAME = 256;
const DAY = 86_400_000;

export interface TrainInput {
  kind: PropensityKind;
  conversionEvent?: string | null;
  splitAt?: Date | null;
  asOf?: Date | null;
  horizonDays?: number | null;
  numericProperties?: string[] | null;
  l2?: number | null;
}

export class PropensityService {
  private readonly log: Logger;
  constructor(
    private readonly db: Database,
    private readonly deps: { logger: Logger; clock: () => Date; segments: Pick<SegmentService, 'refreshFrom'> },
  ) {
    this.log = deps.logger.child({ module: 'propensity-service' });
  }

  async train(input: TrainInput): Promise<StoredModel> {
    const asOf = input.asOf ?? this.deps.clock();
    const props = [...new Set((input.numericProperties ?? []).map((p) => p.trim()).filter(Boolean))];
    if (props.length > MAX_NUMERIC_PROPERTIES)
      throw new UserError(ErrorCode.BAD_USER_INPUT, `at most ${MAX_NUMERIC_PROPERTIES} numericProperties`, { field: 'numericProperties', max: MAX_NUMERIC_PROPERTIES });
    const long = [input.conversionEvent ?? '', ...props].findIndex((s) => s.length > MAX_NAME);
    if (long >= 0)
      throw new UserError(ErrorCode.VALUE_TOO_LONG, `event and property names have at most ${MAX_NAME} characters`, { field: long === 0 ? 'conversionEvent' : `numericProperties.${long - 1}`, max: MAX_NAME });
    const l2 = input.l2 ?? 1e-3;
    if (!(l2 >= 0 && l2 <= 100)) throw new UserError(ErrorCode.BAD_USER_INPUT, 'l2 must be from 0 to 100', { field: 'l2' });
    const limit = MAX_PROPENSITY_CUSTOMERS;
    const snap = async (cut: Date, stopAt: string | null) => {
      const rows = await propensityRepository.snapshot(this.db.prisma, { cut, stopAt, props, limit });
      if (rows.length > limit) throw new UserError(ErrorCode.TOO_MANY_CUSTOMERS, `more than ${limit} customers to learn from`, { max: limit });
      return rows;
    };

    let train: { s: Snapshot; y: boolean; cut: Date }[];
    let evaluate: { s: Snapshot; y: boolean; cut: Date }[];
    let score: { s: Snapshot; cut: Date; heldOut: boolean; label: boolean | null }[];
    let params: Record<string, unknown>;
    if (input.kind === 'CONVERSION') {
      const event = input.conversionEvent?.trim() || 'Order Completed';
      const all = await snap(asOf, event);
      const splitAt = input.splitAt ?? quantileTime(all.map((s) => s.firstSeen), 0.8);
      if (splitAt === null) throw new UserError(ErrorCode.NOT_ENOUGH_DATA, 'no customers to learn from');
      train = all.filter((s) => s.firstSeen < splitAt).map((s) => ({ s, y: s.converted, cut: asOf }));
      evaluate = all.filter((s) => s.firstSeen >= splitAt).map((s) => ({ s, y: s.converted, cut: asOf }));
      score = all.map((s) => ({ s, cut: asOf, heldOut: s.firstSeen >= splitAt, label: s.converted }));
      params = { conversionEvent: event, asOf: asOf.toISOString(), splitAt: splitAt.toISOString(), numericProperties: props, l2 };
    } else {
      const h = input.horizonDays ?? 30;
      if (!Number.isInteger(h) || h < 1 || h > 365) throw new UserError(ErrorCode.BAD_USER_INPUT, 'horizonDays must be from 1 to 365', { field: 'horizonDays' });
      const c2 = new Date(+asOf - h * DAY);
      const c1 = new Date(+c2 - h * DAY);
      const [trainRows, evalRows, scoreRows] = [await snap(c1, null), await snap(c2, null), await snap(asOf, null)];
      const activeAfterC1 = await propensityRepository.activeBetween(this.db.prisma, c1, c2);
      const activeAfterC2 = await propensityRepository.activeBetween(this.db.prisma, c2, asOf);
      train = trainRows.map((s) => ({ s, y: !activeAfterC1.has(s.customerId), cut: c1 }));
      evaluate = evalRows.map((s) => ({ s, y: !activeAfterC2.has(s.customerId), cut: c2 }));
      score = scoreRows.map((s) => ({ s, cut: asOf, heldOut: false, label: null }));
      params = { asOf: asOf.toISOString(), horizonDays: h, trainCut: c1.toISOString(), evalCut: c2.toISOString(), numericProperties: props, l2 };
    }
    const trainPos = train.filter((e) => e.y).length;
    if (trainPos === 0 || trainPos === train.length)
      throw new UserError(ErrorCode.NOT_ENOUGH_DATA, `the training period needs positive and negative examples; it has ${trainPos} of ${train.length} positive`, { train: train.length, positives: trainPos });

    const spec = { eventKeys: topEventKeys(train.map((e) => e.s)), props, timing: input.kind === 'CHURN' };
    const Xtrain = train.map((e) => rawFeatures(e.s, spec, e.cut));
    const scaler = standardiser(Xtrain);
    const fitted = fitLogistic(Xtrain.map((x) => standardise(x, scaler)), train.map((e) => (e.y ? 1 : 0)), { l2 });
    const model = { intercept: fitted.intercept, weights: fitted.weights };
    const p = (s: Snapshot, cut: Date) => predict(model, standardise(rawFeatures(s, spec, cut), scaler));
    // The AUC of the probabilities as stored (6 decimals), so an independent check over stored scores agrees.
    const round6 = (v: number) => Number(v.toFixed(6));
    const auc = rocAuc(evaluate.map((e) => round6(p(e.s, e.cut))), evaluate.map((e) => e.y));

    const stored: StoredModel = {
      id: randomUUID(),
      kind: input.kind,
      params,
      model: { ...model, features: featureNames(spec), eventKeys: spec.eventKeys, means: scaler.means, stds: scaler.stds, iterations: fitted.iterations },
      trainCount: train.length,
      evalCount: evaluate.length,
      trainPositives: trainPos,
      evalPositives: evaluate.filter((e) => e.y).length,
      auc,
      scored: score.length,
      createdAt: this.deps.clock(),
    };
    const scores = score.map((e) => ({ customerId: e.s.customerId, probability: round6(p(e.s, e.cut)), heldOut: e.heldOut, label: e.label }));
    const afterCommit = await this.db.prisma.$transaction(
      async (tx) => {
        const previous = await propensityRepository.scoredCustomers(tx, input.kind);
        await propensityRepository.store(tx, stored, scores);
        const seeds = new Set([...previous, ...scores.map((s) => s.customerId)]);
        return this.deps.segments.refreshFrom(tx, { seeds: new Map([[PROPENSITY_REF, seeds]]) }, { kind: 'propensity_model', model: stored.id });
      },
      { maxWait: 15_000, timeout: 300_000 },
    );
    await afterCommit();
    this.log.info({ model: stored.id, kind: stored.kind, auc, train: stored.trainCount, evaluate: stored.evalCount }, 'propensity model trained');
    return stored;
  }

  /** Change hook: an erased person keeps no score. */
  async onCustomerChange(tx: Db, change: CustomerChange): Promise<void> {
    if (change.kind !== 'erase') return;
    await propensityRepository.forget(tx, [...new Set(change.customerIds)]);
  }

  models(kind: PropensityKind | null | undefined, first: number | null | undefined): Promise<StoredModel[]> {
    const n = first ?? 20;
    if (!Number.isInteger(n) || n < 1 || n > 100) throw new UserError(ErrorCode.PAGE_SIZE_TOO_LARGE, 'first must be from 1 to 100', { max: 100 });
    return propensityRepository.models(this.db.prisma, kind ?? null, n);
  }
}

/** The time below which a fraction q of the times fall (null for none). */
function quantileTime(times: Date[], q: number): Date | null {
  if (times.length === 0) return null;
  const sorted = times.map((t) => +t).sort((a, b) => a - b);
  return new Date(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!);
}
