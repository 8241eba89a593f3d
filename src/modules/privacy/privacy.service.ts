/**
 * Erasure and export of one person: the customer asked for and everyone merged into it (a merged-away
 * id names the same person, so it stands for its winner's whole set).
 */
import type { Database, Db } from '../../db/client.ts';
import { ErrorCode, UserError } from '../../errors.ts';
import type { IdentityType } from '../../generated/prisma/enums.ts';
import type { ChangeHooks } from '../../lib/change-hooks.ts';
import { isUuid } from '../../lib/uuid.ts';
import type { Logger } from '../../logger.ts';
import { customerQueries } from '../customers/customer.queries.ts';
import { identityKey } from '../identities/identity.normalize.ts';
import { externalKey } from '../customers/customer.model.ts';
import { privacyExportRepository as exportRepo } from './privacy-export.repository.ts';
import { privacyRepository as repo, type PayloadNeedles } from './privacy.repository.ts';
import { externalIdValue, suppressionKeys } from './suppression.ts';

/** A person has at most thousands of touchpoints; this only stops a runaway (bot-polluted) profile from exhausting memory. */
export const EXPORT_TOUCHPOINT_CAP = 50_000;

export interface EraseOutcome {
  customerId: string;
  customerIds: string[];
  erasedAt: Date;
  alreadyErased: boolean;
  customersScrubbed: number;
  identitiesRemoved: number;
  touchpointsScrubbed: number;
  suppressedIdentifiersAdded: number;
  failedEventsDeleted: number;
  tagsRemoved: number;
  segmentsLeft: number;
  mergeEntriesScrubbed: number;
}

/** The root was merged into someone else while we waited for its locks: start again from the new root. */
class RootMoved extends Error {}

type Identifiers = Awaited<ReturnType<typeof repo.identifiers>>;

function identifierList({ identities, customers }: Identifiers): { type: IdentityType; value: string }[] {
  return [
    ...identities,
    ...customers.flatMap((c) => [
      ...(c.email ? [{ type: 'EMAIL' as const, value: c.email }] : []),
      ...(c.phone ? [{ type: 'PHONE' as const, value: c.phone }] : []),
      ...(c.externalId ? [{ type: 'CRM_ID' as const, value: externalIdValue(c.source, c.externalId) }] : []),
    ]),
  ];
}

export function payloadNeedles({ identities, customers }: Identifiers): PayloadNeedles {
  const uniq = (xs: (string | null)[]) => [...new Set(xs.filter((x): x is string => !!x && x.trim() !== ''))];
  const of = (t: IdentityType) => identities.filter((i) => i.type === t).map((i) => i.value);
  return {
    emails: uniq([...of('EMAIL'), ...customers.map((c) => c.email)].map((e) => e?.trim().toLowerCase() ?? null)),
    phoneDigits: uniq([...of('PHONE'), ...customers.map((c) => c.phone)].map((p) => p?.replace(/\D/g, '') ?? null)),
    ids: uniq([...identities.filter((i) => i.type !== 'EMAIL' && i.type !== 'PHONE').map((i) => i.value), ...customers.map((c) => c.externalId)]),
  };
}

export class PrivacyService {
  private readonly log: Logger;
  constructor(
    private readonly db: Database,
    private readonly deps: { logger: Logger; hooks: ChangeHooks; clock: () => Date },
  ) {
    this.log = deps.logger.child({ module: 'privacy-service' });
  }

  private async root(db: Db, id: string): Promise<string> {
    if (!isUuid(id)) throw new UserError(ErrorCode.BAD_USER_INPUT, 'id is not a customer id', { field: 'id' });
    const c = await repo.head(db, id);
    if (!c) throw new UserError(ErrorCode.NOT_FOUND, `no customer ${id}`);
    return c.mergedIntoId ?? c.id;
  }

  async erase(id: string): Promise<EraseOutcome> {
    for (let attempt = 0; ; attempt++) {
      try {
        const { outcome, afterCommit } = await this.db.prisma.$transaction((tx) => this.eraseIn(tx, id), { maxWait: 15_000, timeout: 120_000 });
        await afterCommit();
        this.log.info({ customerId: outcome.customerId, customers: outcome.customerIds.length, alreadyErased: outcome.alreadyErased }, 'customer erased');
        return outcome;
      } catch (e) {
        if (!(e instanceof RootMoved) || attempt >= 2) throw e;
      }
    }
  }

  private async eraseIn(tx: Db, id: string) {
    const root = await this.root(tx, id);
    // Lock like the writers do (identity and external keys, then customers) so an event for this
    // person either commits before the erase (and is scrubbed by it) or sees the suppression after.
    const seen = await repo.identifiers(tx, await repo.mergedSet(tx, root));
    await customerQueries.lockKeys(tx, [
      ...seen.identities.map((i) => `id:${identityKey(i.type, i.value)}`),
      ...seen.customers.flatMap((c) => (c.externalId ? [`ext:${externalKey(c.source, c.externalId)}`] : [])),
    ]);
    await customerQueries.lockKeys(tx, [`cust:${root}`]);
    const head = await repo.head(tx, root);
    if (head?.mergedIntoId) throw new RootMoved();
    const ids = await repo.mergedSet(tx, root);
    const held = await repo.identifiers(tx, ids);
    const now = this.deps.clock();

    const suppressedIdentifiersAdded = await repo.suppress(tx, suppressionKeys(identifierList(held)), root);
    const failedEventsDeleted = await repo.deleteFailedEvents(tx, payloadNeedles(held));
    const identitiesRemoved = await repo.deleteIdentities(tx, ids);
    const touchpointsScrubbed = await repo.scrubTouchpoints(tx, ids);
    const tagsRemoved = await repo.deleteTags(tx, ids);
    const mergeEntriesScrubbed = await repo.scrubMerges(tx, ids);
    const customersScrubbed = await repo.scrubCustomers(tx, ids, now);
    const segmentsLeft = await repo.membershipCount(tx, ids);
    // Memberships leave through the normal evaluator (erased customers are never members), so the
    // outbox carries LEFT with reason "erased" to every subscriber and downstream copy.
    const afterCommit = await this.deps.hooks.run(tx, { customerIds: ids, kind: 'erase' });
    const outcome: EraseOutcome = {
      customerId: root,
      customerIds: ids,
      erasedAt: head?.erasedAt ?? now,
      alreadyErased: head?.erasedAt != null,
      customersScrubbed,
      identitiesRemoved,
      touchpointsScrubbed,
      suppressedIdentifiersAdded,
      failedEventsDeleted,
      tagsRemoved,
      segmentsLeft,
      mergeEntriesScrubbed,
    };
    return { outcome, afterCommit };
  }

  /** Everything held on the person, as plain JSON. Read in one transaction so the parts agree. */
  async export(id: string): Promise<Record<string, unknown>> {
    const root = await this.root(this.db.prisma, id);
    const data = await this.db.prisma.$transaction(async (tx) => {
      const ids = await repo.mergedSet(tx, root);
      const held = await repo.identifiers(tx, ids);
      const customers = await exportRepo.profiles(tx, ids);
      const touchpoints = await exportRepo.touchpoints(tx, ids, EXPORT_TOUCHPOINT_CAP);
      return {
        customerId: root,
        customerIds: ids,
        exportedAt: this.deps.clock().toISOString(),
        customers,
        identities: await exportRepo.identities(tx, ids),
        touchpoints: touchpoints.slice(0, EXPORT_TOUCHPOINT_CAP),
        touchpointsTruncated: touchpoints.length > EXPORT_TOUCHPOINT_CAP,
        tags: await exportRepo.tags(tx, ids),
        segments: await exportRepo.segments(tx, ids),
        membershipChanges: await exportRepo.membershipChanges(tx, ids),
        merges: await exportRepo.merges(tx, ids),
        alerts: await exportRepo.alerts(tx, ids),
        failedEvents: await repo.failedEvents(tx, payloadNeedles(held)),
        auditLog: await exportRepo.audit(tx, ids),
        suppressedIdentifiers: await exportRepo.suppressed(tx, ids),
      };
    }, { maxWait: 15_000, timeout: 60_000 });
    // Dates, decimals and database JSON become plain JSON here, not somewhere in the serializer.
    return JSON.parse(JSON.stringify(data)) as Record<string, unknown>;
  }
}
