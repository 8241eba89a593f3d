import { Arg, Authorized, Ctx, ID, Mutation, Query, Resolver, UseMiddleware } from 'type-graphql';
import { Audited } from '../../graphql/audit.middleware.ts';
import type { Context } from '../../graphql/context.ts';
import { ErrorCode, UserError } from '../../errors.ts';
import { Access } from './access.ts';
import { ApiKey, ApiKeyRole, CreatedApiKey, Viewer } from './api-key.types.ts';

@Resolver(() => ApiKey)
export class ApiKeyResolver {
  @Authorized()
  @Query(() => Viewer, { description: 'The signed-in key: its name and role (any role).' })
  viewer(@Ctx() ctx: Context): Viewer {
    return { id: ctx.auth.id, name: ctx.auth.name, role: ctx.auth.role };
  }

  @Authorized(...Access.ADMIN)
  @Query(() => [ApiKey], { description: 'Every key, revoked ones too, oldest first. ADMIN only.' })
  apiKeys(@Ctx() ctx: Context) {
    return ctx.services.apiKeys.list();
  }

  @Authorized(...Access.ADMIN)
  @UseMiddleware(Audited({ target: (_args, result) => (result as CreatedApiKey | null)?.apiKey.id ?? null }))
  @Mutation(() => CreatedApiKey, { description: 'Makes a key; the secret is in this answer and never again. ADMIN only.' })
  async createApiKey(@Arg('name', () => String) name: string, @Arg('role', () => ApiKeyRole) role: ApiKeyRole, @Ctx() ctx: Context) {
    const r = await ctx.services.apiKeys.create({ name, role });
    if (!r.ok) throw new UserError(ErrorCode.BAD_USER_INPUT, r.message, { field: r.field, reason: r.code });
    return r.value;
  }

  @Authorized(...Access.ADMIN)
  @UseMiddleware(Audited())
  @Mutation(() => ApiKey, { description: 'Stops a key at once on this server (within seconds on others). NOT_FOUND when unknown or already revoked.' })
  async revokeApiKey(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    if (!(await ctx.services.apiKeys.revoke(id))) throw new UserError(ErrorCode.NOT_FOUND, `no live API key with id ${id}`);
    return (await ctx.services.apiKeys.get(id))!;
  }
}
