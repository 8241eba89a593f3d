/** Domain shapes of a customer, independent of Prisma rows and GraphQL classes. */
import type { IdentityType } from '../../generated/prisma/enums.ts';

export const ATTRIBUTE_FIELDS = [
  'email',
  'phone',
  'firstName',
  'lastName',
  'name',
  'gender',
  'birthday',
  'country',
  'city',
  'company',
] as const;
export type AttributeField = (typeof ATTRIBUTE_FIELDS)[number];
export type Attributes = Record<AttributeField, string | null>;
export type Traits = Record<string, unknown>;

/** What a CRM sync can write; birthday is an ISO date (YYYY-MM-DD). */
export interface CustomerState extends Attributes {
  id: string;
  source: string;
  externalId: string | null;
  traits: Traits;
}

export interface CustomerRecord extends CustomerState {
  firstSeenAt: Date | null;
  lastSeenAt: Date | null;
  lifetimeValue: number;
  orderCount: number;
  touchpointCount: number;
  mergedIntoId: string | null;
  /** Set by eraseCustomer; such a customer is never a member of a segment or rule tag. */
  erasedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface IdentityRef {
  type: IdentityType;
  value: string;
}

export const externalKey = (source: string, externalId: string) => JSON.stringify([source, externalId]);
