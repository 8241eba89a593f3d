/**
 * Writes that change what we know about customers (touchpoints, CRM upserts, tags, merges) call these
 * hooks inside their transaction, so derived state (segment memberships and their outbox) commits
 * atomically with the write. A hook may return work to run after the commit (publishing).
 */
import type { Db } from '../db/client.ts';

export interface CustomerChange {
  customerIds: Iterable<string>;
  /** What kind of write it was: touchpoint, upsert, tag, merge, unmerge, ... */
  kind: string;
  /** Per customer id, what triggered the change (e.g. the messageId of the touchpoint). */
  triggers?: Record<string, unknown>;
  /** The touchpoints this write stored (by the customer they were stored under), for state kept per event. */
  touchpoints?: readonly { customerId: string; event: string | null; occurredAt: Date | string; id?: string; channel?: string | null }[];
}

export type AfterCommit = () => Promise<void>;
export type CustomerChangeHook = (tx: Db, change: CustomerChange) => Promise<AfterCommit | void>;

export class ChangeHooks {
  private readonly hooks: CustomerChangeHook[] = [];

  add(hook: CustomerChangeHook): void {
    this.hooks.push(hook);
  }

  async run(tx: Db, change: CustomerChange): Promise<AfterCommit> {
    const after: AfterCommit[] = [];
    for (const hook of this.hooks) {
      const a = await hook(tx, change);
      if (a) after.push(a);
    }
    return async () => {
      for (const a of after) await a();
    };
  }
}

export const noAfterCommit: AfterCommit = async () => {};
