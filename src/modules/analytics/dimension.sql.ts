/** The SQL key of a MarketingDimension over rows that have `channel` and `campaign` columns. Builds SQL only. */
import { Prisma } from '../../generated/prisma/client.ts';
import { MarketingDimension } from './dimension.types.ts';

export function dimensionKey(by: MarketingDimension = MarketingDimension.CHANNEL): Prisma.Sql {
  return by === MarketingDimension.CAMPAIGN ? Prisma.sql`(channel::text || '/' || COALESCE(campaign, ''))` : Prisma.sql`channel::text`;
}
