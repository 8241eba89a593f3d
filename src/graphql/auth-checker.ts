/**
 * The one authorisation check: `@Authorized(...roles)` on an operation or field passes when the
 * request's key holds one of the roles (no roles listed: any valid key). Authentication itself
 * happens before GraphQL (HTTP middleware, graphql-ws onConnect), so a context always has a key.
 * Denials throw FORBIDDEN (type-graphql's own error says UNAUTHORIZED, which clients read as "log in").
 */
import type { AuthChecker } from 'type-graphql';
import { ErrorCode, UserError } from '../errors.ts';
import type { ApiKeyRole } from '../generated/prisma/enums.ts';
import type { Context } from './context.ts';

export const authChecker: AuthChecker<Context, ApiKeyRole> = ({ context, info }, roles) => {
  if (!context.auth) throw new UserError(ErrorCode.UNAUTHENTICATED, 'an API key is required');
  if (roles.length === 0 || roles.includes(context.auth.role)) return true;
  throw new UserError(ErrorCode.FORBIDDEN, `${info.parentType.name}.${info.fieldName} needs a ${roles.join(' or ')} key`, {
    requiredRoles: roles,
  });
};
