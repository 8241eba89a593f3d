import { Arg, Authorized, Ctx, Int, Query, Resolver } from 'type-graphql';
import type { Context } from '../../graphql/context.ts';
import { Access } from '../auth/access.ts';
import { AuditEntry, AuditEntryConnection } from './audit.types.ts';

@Resolver(() => AuditEntry)
export class AuditResolver {
  @Authorized(...Access.ADMIN)
  @Query(() => AuditEntryConnection, { description: 'Audited actions, newest first. ADMIN only.' })
  auditLog(
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true }) first?: number | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
    @Arg('action', () => String, { nullable: true, description: 'Only this operation.' }) action?: string | null,
  ) {
    return ctx.services.audit.list({ first, after, action });
  }
}
