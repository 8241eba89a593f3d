/**
 * Experiment exposures and conversions in SQL: exposures are the scope's touchpoints with
 * properties.experiment = the experiment (compared as text) and a non-null properties.variant. A
 * person's variant is the one of their first exposure (earliest occurred_at, then touchpoint id). They
 * converted when their latest conversion in scope is at or after that first exposure. One scan of the
 * scope grouped by person (no self-join); only one row per variant comes back.
 */
import type { Db } from '../../db/client.ts';
import type { AnalyticsScope } from './analytics.scope.ts';
import { scopedTouchpoints } from './analytics.scope.sql.ts';

export interface ExperimentRow {
  variant: string;
  exposures: number;
  conversions: number;
  crossovers: number;
}

export const experimentRepository = {
  async exists(db: Db, experiment: string): Promise<boolean> {
    const rows = await db.$queryRaw<{ found: boolean }[]>`
      SELECT EXISTS (SELECT 1 FROM touchpoint WHERE properties->>'experiment' = ${experiment}) AS found`;
    return rows[0]?.found === true;
  },

  async perVariant(db: Db, scope: AnalyticsScope, experiment: string, conversionEvent: string): Promise<ExperimentRow[]> {
    return db.$queryRaw<ExperimentRow[]>`
      WITH tp AS (${scopedTouchpoints(scope)}),
      marked AS (
        SELECT person, id, event, occurred_at, properties->>'variant' AS variant,
               (properties->>'experiment' = ${experiment} AND properties->>'variant' IS NOT NULL) AS exposure
        FROM tp
      ),
      per_person AS (
        SELECT person,
               (array_agg(variant ORDER BY occurred_at, id) FILTER (WHERE exposure))[1] AS variant,
               min(occurred_at) FILTER (WHERE exposure) AS first_at,
               count(DISTINCT variant) FILTER (WHERE exposure) AS variants,
               max(occurred_at) FILTER (WHERE event = ${conversionEvent}) AS last_conversion_at
        FROM marked WHERE exposure OR event = ${conversionEvent}
        GROUP BY person
      )
      SELECT variant, count(*)::int AS exposures, count(*) FILTER (WHERE last_conversion_at >= first_at)::int AS conversions,
             count(*) FILTER (WHERE variants > 1)::int AS crossovers
      FROM per_person WHERE variant IS NOT NULL
      GROUP BY variant`;
  },
};
