/** A/B results: validates, counts per variant in SQL (experiment.repository.ts), tests each variant against the control. */
import type { Database } from '../../db/client.ts';
import { ErrorCode, UserError } from '../../errors.ts';
import { validScope, type AnalyticsScopeInput } from './analytics.scope.ts';
import { checkConversionEvent } from './attribution.service.ts';
import { experimentRepository } from './experiment.repository.ts';
import { twoProportionZTest } from './experiment.stats.ts';
import type { ExperimentResult, ExperimentVariant } from './experiment.types.ts';
import { MAX_NAME } from './funnel.service.ts';

export interface ExperimentArgs {
  scope: AnalyticsScopeInput;
  experiment: string;
  conversionEvent: string;
  control?: string | null;
}

/** Code-unit order, the same on every database and locale (SQL ORDER BY would follow the collation). */
const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export class ExperimentService {
  constructor(private readonly db: Database) {}

  async experimentResults(args: ExperimentArgs): Promise<ExperimentResult> {
    const scope = validScope(args.scope);
    const experiment = typeof args.experiment === 'string' ? args.experiment.trim() : '';
    if (experiment.length === 0 || experiment.length > MAX_NAME)
      throw new UserError(ErrorCode.BAD_USER_INPUT, `experiment must be 1 to ${MAX_NAME} characters`, { field: 'experiment' });
    if (args.control != null && (args.control.length === 0 || args.control.length > MAX_NAME))
      throw new UserError(ErrorCode.BAD_USER_INPUT, `control must be 1 to ${MAX_NAME} characters`, { field: 'control' });
    if (!(await experimentRepository.exists(this.db.prisma, experiment)))
      throw new UserError(ErrorCode.UNKNOWN_EXPERIMENT, `unknown experiment ${JSON.stringify(experiment)} (no touchpoint has ever carried it)`, { experiment });
    const conversionEvent = await checkConversionEvent(this.db, args.conversionEvent);

    const rows = (await experimentRepository.perVariant(this.db.prisma, scope, experiment, conversionEvent)).sort((a, b) => byName(a.variant, b.variant));
    if (rows.length === 0) return { experiment, conversionEvent, control: null, variants: [] };
    const controlRow = args.control != null ? rows.find((r) => r.variant === args.control) : rows[0];
    if (!controlRow)
      throw new UserError(ErrorCode.BAD_USER_INPUT, `no one was exposed to control variant ${JSON.stringify(args.control)} in scope`, {
        field: 'control',
        variants: rows.map((r) => r.variant),
      });
    const ordered = [controlRow, ...rows.filter((r) => r !== controlRow)];
    const controlRate = controlRow.conversions / controlRow.exposures;
    const variants: ExperimentVariant[] = ordered.map((r) => {
      const isControl = r === controlRow;
      const test = isControl ? null : twoProportionZTest(controlRow.conversions, controlRow.exposures, r.conversions, r.exposures);
      const rate = r.conversions / r.exposures;
      return {
        variant: r.variant,
        isControl,
        exposures: r.exposures,
        conversions: r.conversions,
        rate,
        crossovers: r.crossovers,
        lift: isControl ? null : rate - controlRate,
        z: test?.z ?? null,
        pValue: test?.pValue ?? null,
      };
    });
    return { experiment, conversionEvent, control: controlRow.variant, variants };
  }
}
