/** RFM: validates the request, runs the one statement (rfm.repository.ts), shapes tiers and the page. */
import type { Database } from '../../db/client.ts';
import { ErrorCode, UserError } from '../../errors.ts';
import { decodeCursor, encodeCursor, pageInfoOf, pageSize } from '../../graphql/pagination.ts';
import { isUuid } from '../../lib/uuid.ts';
import { validScope, type AnalyticsScopeInput } from './analytics.scope.ts';
import { checkConversionEvent } from './attribution.service.ts';
import { RFM_TIERS, type RfmTierName } from './rfm.grid.ts';
import { rfmRepository } from './rfm.repository.ts';
import type { RfmResult } from './rfm.types.ts';

export const DEFAULT_ORDER_EVENT = 'Order Completed';

export interface RfmArgs {
  asOf: Date;
  scope?: AnalyticsScopeInput | null;
  orderEvent?: string | null;
  tier?: RfmTierName | null;
  first?: number | null;
  after?: string | null;
}

export class RfmService {
  constructor(
    private readonly db: Database,
    private readonly deps: { clock: () => Date } = { clock: () => new Date() },
  ) {}

  /** Retakes the cut points that customer.rfmTier and rfmTier rules score against (rfm.refresher.ts). */
  async refreshCuts(): Promise<number> {
    const now = this.deps.clock();
    return rfmRepository.refreshCuts(this.db.prisma, now, now);
  }

  async rfm(args: RfmArgs): Promise<RfmResult> {
    if (!(args.asOf instanceof Date) || Number.isNaN(+args.asOf)) throw new UserError(ErrorCode.BAD_USER_INPUT, 'asOf must be a date-time', { field: 'asOf' });
    const scope = args.scope ? validScope(args.scope) : null;
    const take = pageSize(args.first);
    let afterId: string | null = null;
    if (args.after) {
      const [v] = decodeCursor(args.after, 1);
      if (!isUuid(v)) throw new UserError(ErrorCode.INVALID_CURSOR, 'the `after` cursor is not one this server issued');
      afterId = v;
    }
    const orderEvent = await checkConversionEvent(this.db, args.orderEvent ?? DEFAULT_ORDER_EVENT, 'orderEvent');

    const rows = await rfmRepository.compute(this.db.prisma, { asOf: args.asOf, scope, orderEvent, tier: args.tier ?? null, take, afterId });
    const sizes = new Map(rows.filter((r) => r.kind === 'tier').map((r) => [r.tier, r.n!]));
    const customers = rows.filter((r) => r.kind === 'customer');
    const edges = customers.slice(0, take).map((r) => ({
      cursor: encodeCursor([r.person]),
      node: {
        customerId: r.person!,
        recencyDays: Number(r.recency_days),
        lastOrderAt: r.last_at!,
        frequency: r.frequency!,
        monetary: Number(r.monetary),
        r: r.r!,
        f: r.f!,
        m: r.m!,
        tier: r.tier,
      },
    }));
    return {
      asOf: args.asOf,
      orderEvent,
      customersScored: [...sizes.values()].reduce((a, b) => a + b, 0),
      tiers: RFM_TIERS.map((tier) => ({ tier, customers: sizes.get(tier) ?? 0 })),
      edges,
      pageInfo: pageInfoOf(edges, customers.length, take, args.after),
    };
  }
}
