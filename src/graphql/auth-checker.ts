/**
 * The one authorisation check: `@Authorized(...roles)` on an operation or field passes when the
 * request's key holds one of the roles (no roles listed: any valid key). Authentication itself
 * happens before GraphQL (HTTP middleware, graphql-ws onConnect), so a context always has a key.
 * Denials throw FORBIDDEN (type-graphql's own error says UNAUTHORIZED, which clients read as "log in").
 */
import type { AuthChecker } from 'type-graphql';
import { ErrorCode, UserError } from '../errors.ts';
import type { ApiKeyRole } from '../generated/prisma/enums.ts';
import { writeAudit } from './audit.middleware.ts';
import type { Context } from './context.ts';

export const authChecker: AuthChecker<Context, ApiKeyRole> = ({ args, context, info }, roles) => {
  if (!context.auth) throw new UserError(ErrorCode.UNAUTHENTICATED, 'an API key is required');
  if (roles.length === 0 || roles.includes(context.auth.role)) return true; // synchronous: the hot path
  const denied = new UserError(ErrorCode.FORBIDDEN, `${info.parentType.name}.${info.fieldName} needs a ${roles.join(' or ')} key`, {
    requiredRoles: roles,
  });
  if (info.parentType !== info.schema.getMutationType()) throw denied;
  // A refused mutation is audited too: type-graphql runs this check before the Audited middleware.
  // writeAudit never throws for a mutation: a failed entry is logged and counted there.
  return writeAudit({ args, context, info }, ErrorCode.FORBIDDEN, null).then(() => {
    throw denied;
  });
};
