/**
 * Resolves the identities of a batch inside the caller's transaction: locks every identity key, then
 * the customers that hold them (re-reading until the set is stable, since a concurrent merge may have
 * moved a pointer while we waited), plans in memory, and writes new customers, merges, conflicts and
 * new identities. Locks are advisory and taken in sorted order, so concurrent batches that share a
 * person serialise instead of creating two customers or tearing a merge.
 */
import { randomUUID } from 'node:crypto';
import type { IdentityConfig } from '../../config/env.ts';
import type { Db } from '../../db/client.ts';
import type { IdentityType } from '../../generated/prisma/enums.ts';
import { ATTRIBUTE_FIELDS, type CustomerState } from '../customers/customer.model.ts';
import { customerQueries } from '../customers/customer.queries.ts';
import { identityKey } from './identity.normalize.ts';
import { identityRepository } from './identity.repository.ts';
import { planResolution, previousIdCandidates, type KnownCustomer, type ResolutionEvent, type ResolutionIdentity, type ResolutionPlan } from './identity-resolution.ts';
import { mergeRepository } from './merge.repository.ts';

export interface ResolvedBatch {
  targets: string[];
  /** Every live customer whose merged set changed or gained data (stats must be refreshed). */
  touched: Set<string>;
  plan: ResolutionPlan;
}

export function blankCustomer(id: string, source = ''): CustomerState {
  const s = { id, source, externalId: null, traits: {} } as CustomerState;
  for (const f of ATTRIBUTE_FIELDS) s[f] = null;
  return s;
}

export async function resolveIdentities(
  tx: Db,
  events: (ResolutionIdentity[] | ResolutionEvent)[],
  opts: { config: IdentityConfig; source: string; performedBy: string | null; newId?: () => string },
): Promise<ResolvedBatch> {
  const asEvents = events.map((e) => (Array.isArray(e) ? { identities: e, anchors: [] as string[] } : { anchors: [], ...e }));
  // An alias's previousId is locked and looked up as both a user id and an anonymous id; the plan picks.
  const all = dedupe(asEvents.flatMap((e) => [...e.identities, ...previousIdCandidates(e.previousId)]));
  const anchors = [...new Set(asEvents.flatMap((e) => e.anchors))];
  await customerQueries.lockKeys(tx, all.map((i) => `id:${identityKey(i.type, i.value)}`));
  let owners = await customerQueries.idsByIdentity(tx, all);
  const locked = new Set<string>();
  for (let round = 0; round < 5; round++) {
    const fresh = [...new Set([...owners.values(), ...anchors])].filter((id) => !locked.has(id));
    if (fresh.length === 0) break;
    await customerQueries.lockKeys(tx, fresh.map((id) => `cust:${id}`));
    fresh.forEach((id) => locked.add(id));
    owners = await customerQueries.idsByIdentity(tx, all);
  }

  const ownerIds = [...new Set([...owners.values(), ...anchors])];
  const cappedTypes = [...opts.config.caps.keys()];
  // One after the other, not Promise.all: inside an interactive transaction Prisma batches
  // concurrent queries and caches a batch plan keyed by the raw statement's values, so every ingest
  // request added a new ~8 KB entry to a cache of 1,000 (tests/integration/ingest-plan-cache.test.ts).
  const rows = await customerQueries.createdAtByIds(tx, ownerIds);
  const capped = await identityRepository.cappedValues(tx, ownerIds, cappedTypes);
  const customers = new Map<string, KnownCustomer>(rows.map((c) => [c.id, { createdAt: c.createdAt, capped: new Map() }]));
  for (const v of capped) {
    const c = customers.get(v.customerId);
    if (!c) continue;
    if (!c.capped.has(v.type)) c.capped.set(v.type, new Set());
    c.capped.get(v.type)!.add(v.value);
  }

  const plan = planResolution(asEvents, { owners, customers }, opts.config, opts.newId ?? randomUUID);
  // A customer created in this batch and merged away in it never needs to exist.
  const mergedAway = new Set(plan.merges.map((m) => m.loserId));
  const created = plan.newCustomerIds.filter((id) => !mergedAway.has(id));
  await customerQueries.writeStates(tx, created.map((id) => blankCustomer(id, opts.source)));
  const touched = new Set<string>(plan.targets);
  for (const m of plan.merges) {
    if (plan.newCustomerIds.includes(m.loserId)) continue;
    await mergeRepository.apply(tx, { ...m, performedBy: opts.performedBy });
    touched.add(m.winnerId);
  }
  for (const c of plan.conflicts) await mergeRepository.recordConflict(tx, { winnerId: c.winnerId, loserId: c.loserId, reason: c.reason, performedBy: opts.performedBy });
  await customerQueries.insertIdentities(tx, plan.identities.map((i) => ({ ...i, source: opts.source })));
  return { targets: plan.targets, touched, plan };
}

function dedupe(ids: ResolutionIdentity[]): { type: IdentityType; value: string }[] {
  const m = new Map(ids.map((i) => [identityKey(i.type, i.value), { type: i.type, value: i.value }]));
  return [...m.values()];
}
