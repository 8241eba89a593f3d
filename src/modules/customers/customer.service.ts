/**
 * Business rules for customers: CRM sync (upsert), profile lookups and the customer list.
 */
import { randomUUID } from 'node:crypto';
import type { IdentityConfig } from '../../config/env.ts';
import type { Database, Db } from '../../db/client.ts';
import { ErrorCode, UserError } from '../../errors.ts';
import type { IdentityType } from '../../generated/prisma/enums.ts';
import { decodeCursor, encodeCursor, pageInfoOf, pageSize } from '../../graphql/pagination.ts';
import { isUuid } from '../../lib/uuid.ts';
import type { Logger } from '../../logger.ts';
import type { ChangeHooks } from '../../lib/change-hooks.ts';
import { identityKey, normalizeIdentity } from '../identities/identity.normalize.ts';
import { identityQueries } from '../identities/identity.queries.ts';
import { findSuppressed } from '../privacy/suppression.gate.ts';
import { rowSuppressionKeys } from '../privacy/suppression.ts';
import { resolveIdentities } from '../identities/identity-resolver.ts';
import type { ResolutionEvent } from '../identities/identity-resolution.ts';
import { externalKey, type CustomerRecord, type IdentityRef } from './customer.model.ts';
import { normalizeCustomerRow, type CustomerRowInput, type NormalizedCustomerRow, type RowError } from './customer.normalize.ts';
import { afterCursor, cursorKey, customerOrder, customerWhere, SORT_KEYS, type CustomerListFilter, type SortKey } from './customer.filter.sql.ts';
import { customerRepository } from './customer.repository.ts';
import { planUpsert, type ExistingSnapshot } from './customer.upsert-plan.ts';

export const MAX_UPSERT_BATCH = 1000;

export interface UpsertOutcome {
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
  results: { index: number; status: 'CREATED' | 'UPDATED' | 'UNCHANGED' | 'FAILED'; customerId: string | null }[];
  errors: RowError[];
}

export interface ListArgs {
  filter?: CustomerListFilter | null;
  orderBy?: { field: SortKey; direction: 'ASC' | 'DESC' } | null;
  first?: number | null;
  after?: string | null;
}

/** Rows that tie two or more existing customers together (externalId match and identity owners). */
function linkedCustomers(rows: NormalizedCustomerRow[], s: ExistingSnapshot): ResolutionEvent[] {
  const events: ResolutionEvent[] = [];
  for (const r of rows) {
    const anchor = r.externalId !== null ? s.byExternalId.get(externalKey(r.source, r.externalId)) : undefined;
    const owned = r.identities.filter((i) => {
      const owner = s.byIdentity.get(identityKey(i.type, i.value));
      if (!owner) return false;
      const state = s.customers.get(owner);
      // Bound to another record of the same source system: a different person who shares an id.
      return !(r.externalId !== null && state?.externalId != null && state.source === r.source && state.externalId !== r.externalId);
    });
    const owners = new Set([...(anchor ? [anchor] : []), ...owned.map((i) => s.byIdentity.get(identityKey(i.type, i.value))!)]);
    if (owners.size >= 2) events.push({ identities: owned, anchors: anchor ? [anchor] : [] });
  }
  return events;
}

export class CustomerService {
  private readonly log: Logger;
  constructor(
    private readonly db: Database,
    private readonly deps: { logger: Logger; defaultPhoneRegion: string; identity: IdentityConfig; hooks: ChangeHooks },
  ) {
    this.log = deps.logger.child({ module: 'customer-service' });
  }

  async upsert(inputs: CustomerRowInput[]): Promise<UpsertOutcome> {
    if (inputs.length > MAX_UPSERT_BATCH)
      throw new UserError(ErrorCode.BATCH_TOO_LARGE, `upsertCustomers takes at most ${MAX_UPSERT_BATCH} rows a call; got ${inputs.length}`, {
        max: MAX_UPSERT_BATCH,
      });
    const rows: NormalizedCustomerRow[] = [];
    const errors: RowError[] = [];
    inputs.forEach((input, index) => {
      const r = normalizeCustomerRow(input, index, this.deps.defaultPhoneRegion);
      if (r.ok) rows.push(r.row);
      else errors.push(...r.errors);
    });

    const plan = rows.length ? await this.applyRows(rows) : { results: [], suppressed: [] };
    errors.push(...plan.suppressed);
    errors.sort((a, b) => a.index - b.index);
    const results: UpsertOutcome['results'] = inputs.map((_, index) => ({ index, status: 'FAILED' as const, customerId: null }));
    for (const r of plan.results) results[r.index] = r;
    const count = (s: string) => results.filter((r) => r.status === s).length;
    const outcome = { created: count('CREATED'), updated: count('UPDATED'), unchanged: count('UNCHANGED'), failed: count('FAILED'), results, errors };
    this.log.info({ rows: inputs.length, created: outcome.created, updated: outcome.updated, unchanged: outcome.unchanged, failed: outcome.failed }, 'customers upserted');
    return outcome;
  }

  /** Everything inside one transaction, after locking every key the batch touches. */
  private applyRows(all: NormalizedCustomerRow[]) {
    const externalIds = all.filter((r) => r.externalId !== null).map((r) => ({ source: r.source, externalId: r.externalId! }));
    const identities = all.flatMap((r) => r.identities);
    const lockKeys = [
      ...externalIds.map((e) => `ext:${externalKey(e.source, e.externalId)}`),
      ...identities.map((i) => `id:${identityKey(i.type, i.value)}`),
    ];
    return this.db.prisma.$transaction(
      async (tx) => {
        await customerRepository.lockKeys(tx, lockKeys);
        // Rows naming an erased person are refused, never applied (the locks above are the eraser's too).
        const hits = await findSuppressed(tx, all.map(rowSuppressionKeys));
        const suppressed: RowError[] = all.flatMap((r, i) => {
          const hit = hits[i];
          return hit ? [{ index: r.index, field: hit.field, code: ErrorCode.SUPPRESSED, message: `this ${hit.type} belongs to an erased person; the row was not applied` }] : [];
        });
        const rows = all.filter((_, i) => !hits[i]);
        let snapshot = await this.snapshot(tx, externalIds, identities);
        const linking = linkedCustomers(rows, snapshot);
        if (linking.length) {
          // A row whose ids point at several customers says they are one person: merge them, with the
          // same winner rule, caps and ledger as touchpoints, then plan against the merged state.
          await resolveIdentities(tx, linking, { config: this.deps.identity, source: rows[0]!.source, performedBy: 'crm-sync' });
          snapshot = await this.snapshot(tx, externalIds, identities);
        }
        const plan = planUpsert(rows, snapshot, randomUUID);
        await customerRepository.writeStates(tx, plan.writes);
        await customerRepository.insertIdentities(tx, plan.identities);
        const changed = new Set([...plan.writes.map((w) => w.id), ...plan.identities.map((i) => i.customerId)]);
        const merged = await customerRepository.mergedAwayAmong(tx, [...snapshot.customers.keys()]);
        const afterCommit = await this.deps.hooks.run(tx, { customerIds: [...changed, ...merged], kind: 'upsert' });
        return { plan, suppressed, afterCommit };
      },
      { maxWait: 10_000, timeout: 60_000 },
    ).then(async ({ plan, suppressed, afterCommit }) => {
      await afterCommit();
      return { results: plan.results, suppressed };
    });
  }

  private async snapshot(tx: Db, externalIds: { source: string; externalId: string }[], identities: IdentityRef[]): Promise<ExistingSnapshot> {
    // Sequential, as in identity-resolver.ts: concurrent queries in a transaction are batched, and
    // Prisma caches a batch's plan keyed by its statements, raw values included.
    const byExternalId = await customerRepository.idsByExternalId(tx, externalIds);
    const byIdentity = await customerRepository.idsByIdentity(tx, identities);
    const ids = new Set([...byExternalId.values(), ...byIdentity.values()]);
    const customers = new Map((await customerRepository.statesByIds(tx, [...ids])).map((c) => [c.id, c]));
    return { byExternalId, byIdentity, customers };
  }

  async byId(id: string): Promise<CustomerRecord | null> {
    if (!isUuid(id)) return null;
    const [c] = await customerRepository.findByIds(this.db.prisma, [id]);
    if (!c) return null;
    return c.mergedIntoId ? this.byId(c.mergedIntoId) : c;
  }

  async byIdentity(type: IdentityType, rawValue: string): Promise<CustomerRecord | null> {
    const normalized = normalizeIdentity(type, rawValue, this.deps.defaultPhoneRegion);
    if (!normalized.ok) throw new UserError(normalized.code, normalized.message, { field: 'value' });
    const id = await identityQueries.customerIdFor(this.db.prisma, type, normalized.value);
    return id ? this.byId(id) : null;
  }

  async list(args: ListArgs) {
    const take = pageSize(args.first);
    const key: SortKey = args.orderBy?.field ?? 'CREATED_AT';
    const direction = args.orderBy?.direction === 'DESC' ? 'desc' : 'asc';
    if (args.filter?.segmentId != null && !isUuid(args.filter.segmentId))
      throw new UserError(ErrorCode.BAD_USER_INPUT, 'filter.segmentId is not a segment id', { field: 'filter.segmentId' });
    const base = customerWhere(args.filter);
    let where = base;
    if (args.after) {
      const [v, id] = decodeCursor(args.after, 2);
      const kind = SORT_KEYS[key].kind;
      const valueOk = v === null ? SORT_KEYS[key].nullable : kind === 'date' ? typeof v === 'string' && !Number.isNaN(Date.parse(v)) : typeof v === 'number';
      if (!valueOk || !isUuid(id)) throw new UserError(ErrorCode.INVALID_CURSOR, 'the `after` cursor does not belong to this ordering');
      where = { AND: [base, afterCursor(key, direction, [v, id])] };
    }
    const rows = take === 0 ? [] : await customerRepository.list(this.db.prisma, where, customerOrder(key, direction), take + 1);
    const page = rows.slice(0, take);
    const edges = page.map((node) => ({ cursor: encodeCursor(cursorKey(key, node)), node }));
    return {
      edges,
      pageInfo: pageInfoOf(edges, rows.length, take, args.after),
      countTotal: () => customerRepository.count(this.db.prisma, base),
    };
  }
}
