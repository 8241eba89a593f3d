import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Query, Resolver, Root, UseMiddleware } from 'type-graphql';
import type { Context } from '../../graphql/context.ts';
import { RefusePiiArgsForReader } from '../../graphql/pii.middleware.ts';
import { Access } from '../auth/access.ts';
import type { CustomerRecord } from '../customers/customer.model.ts';
import { Customer } from '../customers/customer.type.ts';
import type { AccountRecord } from './account.model.ts';
import { accountSearchPiiPaths, groupIdLookupPiiPaths } from './account.pii-args.ts';
import { Account, AccountConnection, AccountMemberConnection } from './account.type.ts';

@Resolver(() => Account)
export class AccountResolver {
  @Authorized(...Access.READ)
  @Query(() => Account, { nullable: true, description: 'An account by its id.' })
  account(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    return ctx.services.accounts.byId(id);
  }

  @Authorized(...Access.READ)
  @UseMiddleware(RefusePiiArgsForReader(groupIdLookupPiiPaths))
  @Query(() => Account, { nullable: true, description: 'An account by the groupId its group calls sent.' })
  accountByGroupId(@Arg('groupId', () => String) groupId: string, @Ctx() ctx: Context) {
    return ctx.services.accounts.byGroupId(groupId);
  }

  @Authorized(...Access.READ)
  @UseMiddleware(RefusePiiArgsForReader(accountSearchPiiPaths))
  @Query(() => AccountConnection, { description: 'Accounts in groupId order; `search` matches the groupId or the `name` trait (case-insensitive substring).' })
  accounts(
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true, description: 'Page size, 20 by default, at most 100.' }) first?: number | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
    @Arg('search', () => String, { nullable: true }) search?: string | null,
  ) {
    return ctx.services.accounts.list({ first, after, search });
  }

  @FieldResolver(() => Int, { description: 'People in the account (merged profiles count once; erased people are not members).' })
  memberCount(@Root() a: AccountRecord, @Ctx() ctx: Context) {
    return ctx.loaders.memberCountByAccountId.load(a.id);
  }

  @FieldResolver(() => AccountMemberConnection, { description: 'People in the account, in customer id order.' })
  members(
    @Root() a: AccountRecord,
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true }) first?: number | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ) {
    return ctx.services.accounts.members(a.id, first, after, ctx.loaders.customerById);
  }
}

@Resolver(() => AccountConnection)
export class AccountConnectionResolver {
  @FieldResolver(() => Int, { description: 'Accounts matching the search, over all pages.' })
  totalCount(@Root() conn: AccountConnection) {
    return conn.countTotal();
  }
}

@Resolver(() => Customer)
export class CustomerAccountsResolver {
  @FieldResolver(() => [Account], { description: 'Accounts the person belongs to (through group calls, over merged profiles), in groupId order.' })
  accounts(@Root() c: CustomerRecord, @Ctx() ctx: Context) {
    return ctx.loaders.accountsByCustomerId.load(c.id);
  }
}
