/** Reads everything held on a set of customers (a person and those merged into it), for exportCustomer. */
import type { Db } from '../../db/client.ts';

const num = (d: { toString(): string } | null) => (d === null ? null : Number(d.toString()));

export const privacyExportRepository = {
  async profiles(db: Db, ids: string[]) {
    const rows = await db.customer.findMany({ where: { id: { in: ids } }, orderBy: { createdAt: 'asc' } });
    return rows.map((c) => ({ ...c, birthday: c.birthday ? c.birthday.toISOString().slice(0, 10) : null, lifetimeValue: num(c.lifetimeValue) }));
  },

  identities(db: Db, ids: string[]) {
    return db.identity.findMany({
      where: { customerId: { in: ids } },
      select: { customerId: true, type: true, value: true, source: true, createdAt: true },
      orderBy: [{ createdAt: 'asc' }, { type: 'asc' }, { value: 'asc' }],
    });
  },

  /** At most `limit` + 1 rows, oldest first, so the caller can tell that it cut. */
  async touchpoints(db: Db, ids: string[], limit: number) {
    const rows = await db.touchpoint.findMany({ where: { customerId: { in: ids } }, orderBy: [{ occurredAt: 'asc' }, { id: 'asc' }], take: limit + 1 });
    return rows.map((t) => ({ ...t, revenue: num(t.revenue) }));
  },

  tags(db: Db, ids: string[]) {
    return db.$queryRaw<{ customerId: string; key: string; name: string; category: string | null; kind: string; since: Date }[]>`
      SELECT ct.customer_id::text AS "customerId", t.key, t.name, t.category, t.kind::text AS kind, ct.created_at AS since
      FROM customer_tag ct JOIN tag t ON t.id = ct.tag_id
      WHERE ct.customer_id = ANY(${ids}::uuid[]) ORDER BY ct.created_at, t.key`;
  },

  segments(db: Db, ids: string[]) {
    return db.$queryRaw<{ customerId: string; segmentId: string; name: string; since: Date }[]>`
      SELECT m.customer_id::text AS "customerId", s.id::text AS "segmentId", s.name, m.since
      FROM segment_membership m JOIN segment s ON s.id = m.segment_id
      WHERE m.customer_id = ANY(${ids}::uuid[]) ORDER BY m.since, s.name`;
  },

  membershipChanges(db: Db, ids: string[]) {
    return db.$queryRaw<{ seq: string; segmentId: string; customerId: string; change: string; at: Date; reason: unknown }[]>`
      SELECT seq::text AS seq, segment_id::text AS "segmentId", customer_id::text AS "customerId", change::text AS change, at, reason
      FROM membership_change WHERE customer_id = ANY(${ids}::uuid[]) ORDER BY seq`;
  },

  merges(db: Db, ids: string[]) {
    return db.mergeEvent.findMany({ where: { OR: [{ winnerId: { in: ids } }, { loserId: { in: ids } }] }, orderBy: { createdAt: 'asc' } });
  },

  /** Targets are ids, or "loser->winner" for merges, so a substring match finds both. */
  async audit(db: Db, ids: string[]) {
    const rows = await db.$queryRaw<{ id: string; actor: string; action: string; target: string; outcome: string; requestId: string | null; details: unknown; at: Date }[]>`
      SELECT a.id::text AS id, a.actor, a.action, a.target, a.outcome, a.request_id AS "requestId", a.details, a.at
      FROM audit_log a
      WHERE a.target IS NOT NULL AND EXISTS (SELECT 1 FROM unnest(${ids}::text[]) AS i(id) WHERE strpos(lower(a.target), i.id) > 0)
      ORDER BY a.id`;
    return rows;
  },

  alerts(db: Db, ids: string[]) {
    return db.alert.findMany({ where: { customerId: { in: ids } }, orderBy: { raisedAt: 'asc' } });
  },

  suppressed(db: Db, ids: string[]) {
    return db.suppressedIdentifier.findMany({
      where: { erasedId: { in: ids } },
      select: { type: true, droppedCount: true, createdAt: true },
      orderBy: [{ createdAt: 'asc' }, { type: 'asc' }],
    });
  },
};
