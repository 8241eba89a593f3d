/**
 * Alerts: the check (churn risk and hourly anomalies, both in SQL), the list, and the live feed.
 * A check publishes only the alerts it newly stored, in one message on alerts/raised.
 */
import type { AlertConfig } from '../../config/env.ts';
import type { Database, Db } from '../../db/client.ts';
import { ErrorCode, UserError } from '../../errors.ts';
import { decodeCursor, encodeCursor, pageInfoOf, pageSize } from '../../graphql/pagination.ts';
import { AsyncQueue } from '../../lib/async-queue.ts';
import type { CustomerChange } from '../../lib/change-hooks.ts';
import { isUuid } from '../../lib/uuid.ts';
import type { Logger } from '../../logger.ts';
import type { AppPubSub } from '../../pubsub/pubsub.ts';
import { Topic, type AlertRaisedPayload } from '../../pubsub/topics.ts';
import { alertRepository, HOUR_MS } from './alert.repository.ts';
import type { AlertKind, AlertRecord } from './alert.types.ts';

/** Most alerts buffered for one subscriber that does not read; beyond it the subscription ends with an error. */
const MAX_BUFFER = 10_000;

export interface AlertListArgs {
  kind?: AlertKind | null;
  first?: number | null;
  after?: string | null;
}

function afterKey(after: string | null | undefined): { raisedAt: Date; id: string } | null {
  if (!after) return null;
  const [at, id] = decodeCursor(after, 2);
  if (typeof at !== 'string' || Number.isNaN(Date.parse(at)) || !isUuid(id))
    throw new UserError(ErrorCode.INVALID_CURSOR, 'the `after` cursor is not one this server issued');
  return { raisedAt: new Date(at), id: id as string };
}

const toPayload = (a: AlertRecord): AlertRaisedPayload['alerts'][number] => ({ ...a, raisedAt: a.raisedAt.toISOString() });
const fromPayload = (a: AlertRaisedPayload['alerts'][number]): AlertRecord => ({ ...a, raisedAt: new Date(a.raisedAt) }) as AlertRecord;

/** The start of the last complete hour before `now`. Hours are UTC hours, as in the SQL binning. */
export function lastCompleteHour(now: Date): Date {
  return new Date(Math.floor(now.getTime() / HOUR_MS) * HOUR_MS - HOUR_MS);
}

/** Runs in the transaction that stored new alerts (webhooks queue them there). */
export type AlertsRaisedHook = (tx: Db, raised: readonly AlertRecord[]) => Promise<void>;

export class AlertService {
  private listeners = 0;
  private readonly raisedHooks: AlertsRaisedHook[] = [];

  constructor(
    private readonly db: Database,
    private readonly deps: { config: AlertConfig; pubsub: AppPubSub; clock: () => Date; logger: Logger },
  ) {}

  /** Live alertRaised subscribers in this process (tests wait for it before making alerts happen). */
  get listenerCount() {
    return this.listeners;
  }

  /**
   * Change hook (inside the write's transaction): keeps each customer's last churn event and marks
   * pending the people whose answer may have changed, so the check looks only at them. Tag writes
   * change neither events nor merged sets.
   */
  async onCustomerChange(tx: Db, change: CustomerChange): Promise<void> {
    if (change.kind === 'tagged' || change.kind === 'untagged') return;
    const event = this.deps.config.churnEvent;
    const stored = (change.touchpoints ?? []).filter((t) => t.event === event);
    await alertRepository.recordChurnEvents(tx, event, stored);
    // Any customer the write touched: a merge inside it may have moved rows between people. A few
    // index lookups per customer, like the write itself.
    await alertRepository.markChurnPending(tx, event, [...new Set(change.customerIds)]);
  }

  /**
   * Rebuilds the churn state from touchpoints: for touchpoints stored without the change hooks (demo
   * seed, bulk loads), and before the first check when the table holds another event than the
   * configured ALERT_CHURN_EVENT.
   */
  async rebuildChurnState(): Promise<void> {
    await this.db.prisma.$transaction((tx) => alertRepository.rebuildChurnEvents(tx, this.deps.config.churnEvent, this.deps.clock()), { maxWait: 15_000, timeout: 600_000 });
  }

  onRaised(hook: AlertsRaisedHook): void {
    this.raisedHooks.push(hook);
  }

  /** One check: stores and publishes the alerts that are new; returns them. */
  async check(): Promise<AlertRecord[]> {
    const { config, clock } = this.deps;
    if ((await alertRepository.churnTrackedEvent(this.db.prisma)) !== config.churnEvent) await this.rebuildChurnState();
    const now = clock();
    // One transaction, so whatever the hooks derive from new alerts (webhook deliveries) commits with them.
    const raised = await this.db.prisma.$transaction(
      async (tx) => {
        const churn = await alertRepository.raiseChurn(tx, { now, event: config.churnEvent, silenceDays: config.churnSilenceDays });
        const anomalies = await alertRepository.raiseAnomalies(tx, {
          now,
          hour: lastCompleteHour(now),
          threshold: config.anomalyZ,
          minHours: config.anomalyMinHours,
        });
        const all = [...churn, ...anomalies];
        if (all.length) for (const hook of this.raisedHooks) await hook(tx, all);
        return all;
      },
      { maxWait: 15_000, timeout: 600_000 },
    );
    if (raised.length) await this.deps.pubsub.publish(Topic.ALERT_RAISED, { alerts: raised.map(toPayload) });
    return raised;
  }

  /**
   * Stores and publishes an alert raised outside the checker (WEBHOOK_FAILING), once per key.
   * Answers null when the key was already raised.
   */
  async raise(alert: { kind: AlertKind; key: string; details: Record<string, unknown> }): Promise<AlertRecord | null> {
    const now = this.deps.clock();
    const stored = await this.db.prisma.$transaction(async (tx) => {
      const row = await alertRepository.insertOne(tx, { ...alert, raisedAt: now });
      if (row) for (const hook of this.raisedHooks) await hook(tx, [row]);
      return row;
    });
    if (stored) await this.deps.pubsub.publish(Topic.ALERT_RAISED, { alerts: [toPayload(stored)] });
    return stored;
  }

  async list(args: AlertListArgs) {
    const take = pageSize(args.first);
    const kind = args.kind ?? null;
    const rows = await alertRepository.page(this.db.prisma, { kind, take: take + 1, after: afterKey(args.after) });
    const edges = rows.slice(0, take).map((node) => ({ cursor: encodeCursor([node.raisedAt.toISOString(), node.id]), node }));
    const db = this.db.prisma;
    return {
      edges,
      pageInfo: pageInfoOf(edges, rows.length, take, args.after),
      // A getter: counted only when the field is asked for.
      get totalCount() {
        return alertRepository.count(db, kind);
      },
    };
  }

  /**
   * Alerts as they are raised (by any server process, through the pub/sub), optionally only some
   * kinds. Resolves once the subscription is in place, so every alert raised afterwards arrives.
   */
  async subscribe(kinds: AlertKind[] | null): Promise<AsyncIterableIterator<AlertRecord>> {
    const wanted = kinds?.length ? new Set(kinds) : null;
    let off: (() => void) | null = null;
    let closed = false;
    const queue = new AsyncQueue<AlertRecord>(MAX_BUFFER, () => {
      closed = true;
      if (off) {
        off();
        off = null;
        this.listeners--;
      }
    });
    const unsubscribe = await this.deps.pubsub.listen(Topic.ALERT_RAISED, (payload) => {
      for (const a of payload.alerts) if (!wanted || wanted.has(a.kind)) queue.push(fromPayload(a));
    });
    if (closed) unsubscribe();
    else {
      off = unsubscribe;
      this.listeners++;
    }
    return queue;
  }
}
