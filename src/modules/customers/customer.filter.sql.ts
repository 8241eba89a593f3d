/**
 * Data layer, no I/O: turns the customers() filter and sort into Prisma where/orderBy, with keyset
 * pagination that stays correct on nullable sort keys (nulls always sort last).
 */
import { Prisma } from '../../generated/prisma/client.ts';
import type { CustomerRecord } from './customer.model.ts';

export interface CustomerListFilter {
  search?: string | null;
  email?: string | null;
  phone?: string | null;
  externalId?: string | null;
  source?: string | null;
  country?: string | null;
  city?: string | null;
  company?: string | null;
  gender?: string | null;
  traits?: { key: string; equals?: unknown; exists?: boolean | null }[] | null;
  tag?: string | null;
  segmentId?: string | null;
  lastSeen?: DateRange | null;
  firstSeen?: DateRange | null;
  createdAt?: DateRange | null;
}
type DateRange = { from?: Date | null; to?: Date | null };

export const SORT_KEYS = {
  CREATED_AT: { field: 'createdAt', nullable: false, kind: 'date' },
  UPDATED_AT: { field: 'updatedAt', nullable: false, kind: 'date' },
  LAST_SEEN_AT: { field: 'lastSeenAt', nullable: true, kind: 'date' },
  FIRST_SEEN_AT: { field: 'firstSeenAt', nullable: true, kind: 'date' },
  LIFETIME_VALUE: { field: 'lifetimeValue', nullable: false, kind: 'number' },
  ORDER_COUNT: { field: 'orderCount', nullable: false, kind: 'number' },
  TOUCHPOINT_COUNT: { field: 'touchpointCount', nullable: false, kind: 'number' },
} as const satisfies Record<string, { field: keyof CustomerRecord; nullable: boolean; kind: 'date' | 'number' }>;
export type SortKey = keyof typeof SORT_KEYS;

const range = (r: DateRange | null | undefined) =>
  r && (r.from || r.to) ? { ...(r.from ? { gte: r.from } : {}), ...(r.to ? { lt: r.to } : {}) } : undefined;

export function customerWhere(f: CustomerListFilter | null | undefined): Prisma.CustomerWhereInput {
  const and: Prisma.CustomerWhereInput[] = [{ mergedIntoId: null }];
  if (!f) return { AND: and };
  const eq = { email: f.email, phone: f.phone, externalId: f.externalId, source: f.source, country: f.country, city: f.city, company: f.company, gender: f.gender };
  for (const [k, v] of Object.entries(eq)) if (v != null) and.push({ [k]: v });
  if (f.search?.trim()) {
    const contains = f.search.trim();
    and.push({
      OR: (['name', 'firstName', 'lastName', 'email'] as const).map((k) => ({ [k]: { contains, mode: 'insensitive' } })),
    });
  }
  for (const t of f.traits ?? []) {
    if (t.equals !== undefined && t.equals !== null) and.push({ traits: { path: [t.key], equals: t.equals as Prisma.InputJsonValue } });
    if (t.exists === true) and.push({ NOT: { traits: { path: [t.key], equals: Prisma.AnyNull } } });
    if (t.exists === false) and.push({ traits: { path: [t.key], equals: Prisma.AnyNull } });
  }
  if (f.tag) and.push({ tags: { some: { tag: { key: f.tag } } } });
  if (f.segmentId) and.push({ memberships: { some: { segmentId: f.segmentId } } });
  const lastSeen = range(f.lastSeen);
  if (lastSeen) and.push({ lastSeenAt: lastSeen });
  const firstSeen = range(f.firstSeen);
  if (firstSeen) and.push({ firstSeenAt: firstSeen });
  const createdAt = range(f.createdAt);
  if (createdAt) and.push({ createdAt });
  return { AND: and };
}

export function customerOrder(key: SortKey, direction: 'asc' | 'desc'): Prisma.CustomerOrderByWithRelationInput[] {
  const { field, nullable } = SORT_KEYS[key];
  return [{ [field]: nullable ? { sort: direction, nulls: 'last' } : direction }, { id: direction }];
}

export function cursorKey(key: SortKey, c: CustomerRecord): [unknown, string] {
  const v = c[SORT_KEYS[key].field];
  return [v instanceof Date ? v.toISOString() : v, c.id];
}

/** Rows strictly after the cursor in the given order. */
export function afterCursor(key: SortKey, direction: 'asc' | 'desc', [raw, id]: [unknown, string]): Prisma.CustomerWhereInput {
  const { field, nullable, kind } = SORT_KEYS[key];
  const cmp = direction === 'asc' ? 'gt' : 'lt';
  if (raw === null) return { [field]: null, id: { [cmp]: id } };
  const v = kind === 'date' ? new Date(raw as string) : raw;
  return { OR: [{ [field]: { [cmp]: v } }, { [field]: v, id: { [cmp]: id } }, ...(nullable ? [{ [field]: null }] : [])] };
}
