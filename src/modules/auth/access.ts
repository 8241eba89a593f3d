/**
 * Who may do what. Four roles, each a set of abilities; resolvers name the ability they need with
 * `@Authorized(...Access.X)`. WRITER keys live inside tracking clients (Segment write keys end up in
 * browsers and apps), so they may send data but never read any back.
 */
import { ApiKeyRole } from '../../generated/prisma/enums.ts';

const { READER, WRITER, OPERATOR, ADMIN } = ApiKeyRole;

export const Access = {
  /** Profiles, journeys, analytics, segments, tags, alerts, subscriptions. READER sees PII masked. */
  READ: [READER, OPERATOR, ADMIN],
  /** upsertCustomers, recordTouchpoints and the /v1 tracking door. */
  INGEST: [WRITER, ADMIN],
  /** Segments, tags, merges, quarantine (raw payloads), recomputes. */
  OPERATE: [OPERATOR, ADMIN],
  /** Keys, privacy (erase, export), the audit log. */
  ADMIN: [ADMIN],
} as const satisfies Record<string, readonly ApiKeyRole[]>;

export const allows = (roles: readonly ApiKeyRole[], role: ApiKeyRole): boolean => roles.includes(role);

/** READER keys see personal data masked (issue 7); every other role that may read sees it in full. */
export const seesPiiMasked = (role: ApiKeyRole | undefined): boolean => role === READER;
