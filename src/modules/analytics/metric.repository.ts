/** Runs the standard-metric statements (metric.sql.ts). */
import type { Db } from '../../db/client.ts';
import { metricSql, type MetricSqlQuery, type MetricSqlRow } from './metric.sql.ts';

export const metricRepository = {
  async run(db: Db, q: MetricSqlQuery): Promise<MetricSqlRow[]> {
    return db.$queryRaw<MetricSqlRow[]>(metricSql(q));
  },
};
