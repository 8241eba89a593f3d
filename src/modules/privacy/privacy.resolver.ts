import { Arg, Authorized, Ctx, ID, Mutation, Query, Resolver, UseMiddleware } from 'type-graphql';
import { Audited } from '../../graphql/audit.middleware.ts';
import type { Context } from '../../graphql/context.ts';
import { JSONScalar } from '../../graphql/scalars.ts';
import { Access } from '../auth/access.ts';
import type { EraseOutcome } from './privacy.service.ts';
import { EraseCustomerPayload } from './privacy.types.ts';

// The audit target is the person's live id, so erase and export of one person line up in the log
// whichever of their ids was given.
const personTarget = (args: Record<string, unknown>, result: unknown) =>
  ((result as { customerId?: string } | null)?.customerId ?? (typeof args.id === 'string' ? args.id : null));

@Resolver()
export class PrivacyResolver {
  @Authorized(...Access.ADMIN)
  @UseMiddleware(Audited({ target: personTarget }))
  @Mutation(() => EraseCustomerPayload, {
    description:
      'Right to erasure: removes everything that names or describes the person (and everyone merged into them), keeps anonymous analytics, and drops their future events and rows. Idempotent. ADMIN only.',
  })
  eraseCustomer(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<EraseOutcome> {
    return ctx.services.privacy.erase(id);
  }

  @Authorized(...Access.ADMIN)
  @UseMiddleware(Audited({ target: personTarget }))
  @Query(() => JSONScalar, {
    description: `Right of access: everything held on the person (and everyone merged into them) as one JSON document. ADMIN only; every call is audited.`,
  })
  exportCustomer(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<Record<string, unknown>> {
    return ctx.services.privacy.export(id);
  }
}
