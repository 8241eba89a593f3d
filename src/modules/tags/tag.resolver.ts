import { Authorized, Arg, Ctx, FieldResolver, ID, InputType, Field, Mutation, Query, Resolver, Root, UseMiddleware } from 'type-graphql';
import { Audited } from '../../graphql/audit.middleware.ts';
import { Access } from '../auth/access.ts';
import type { Context } from '../../graphql/context.ts';
import { JSONScalar } from '../../graphql/scalars.ts';
import { Tag, TagCustomersPayload, TagVersion, TagWithCount } from './tag.type.ts';

@InputType()
class CreateTagInput {
  @Field(() => String, { description: 'Stable identifier, e.g. "vip" (lower-case letters, digits, _ . : -).' }) key!: string;
  @Field(() => String) name!: string;
  @Field(() => String, { nullable: true }) category?: string | null;
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field(() => JSONScalar, { nullable: true, description: 'Makes a RULE tag, kept current like a segment.' }) rule?: unknown;
}

@InputType()
class UpdateTagInput {
  @Field(() => String, { nullable: true }) name?: string | null;
  @Field(() => String, { nullable: true }) category?: string | null;
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field(() => JSONScalar, { nullable: true, description: 'A new rule for a RULE tag (TAG_KIND_FIXED for a MANUAL tag).' }) rule?: unknown;
}

@Resolver(() => Tag)
export class TagResolver {
  @Authorized(...Access.READ)
  @Query(() => [TagWithCount], { description: 'The tag catalogue with the number of customers holding each tag.' })
  tags(@Arg('includeArchived', () => Boolean, { defaultValue: false }) includeArchived: boolean, @Ctx() ctx: Context) {
    return ctx.services.tags.list(includeArchived);
  }

  @Authorized(...Access.READ)
  @Query(() => TagWithCount, { nullable: true, description: 'One tag by key, archived or not.' })
  tag(@Arg('key', () => String) key: string, @Ctx() ctx: Context) {
    return ctx.services.tags.get(key);
  }

  @Authorized(...Access.OPERATE)
  @UseMiddleware(Audited())
  @Mutation(() => TagWithCount, { description: 'Takes the tag from everyone; a rule tag stops being evaluated. Cannot be undone.' })
  archiveTag(@Arg('key', () => String) key: string, @Ctx() ctx: Context) {
    return ctx.services.tags.archive(key);
  }

  @Authorized(...Access.OPERATE)
  @UseMiddleware(Audited())
  @Mutation(() => Tag, { description: 'Idempotent for the same definition.' })
  createTag(@Arg('input', () => CreateTagInput) input: CreateTagInput, @Ctx() ctx: Context) {
    return ctx.services.tags.create(input);
  }

  @Authorized(...Access.OPERATE)
  @UseMiddleware(Audited())
  @Mutation(() => Tag)
  updateTag(@Arg('key', () => String) key: string, @Arg('input', () => UpdateTagInput) input: UpdateTagInput, @Ctx() ctx: Context) {
    return ctx.services.tags.update(key, input);
  }

  @Authorized(...Access.OPERATE)
  @UseMiddleware(Audited())
  @Mutation(() => TagCustomersPayload)
  tagCustomers(@Arg('tagKey', () => String) tagKey: string, @Arg('customerIds', () => [ID]) customerIds: string[], @Ctx() ctx: Context) {
    return ctx.services.tags.setTag(tagKey, customerIds, true);
  }

  @Authorized(...Access.OPERATE)
  @UseMiddleware(Audited())
  @Mutation(() => TagCustomersPayload)
  untagCustomers(@Arg('tagKey', () => String) tagKey: string, @Arg('customerIds', () => [ID]) customerIds: string[], @Ctx() ctx: Context) {
    return ctx.services.tags.setTag(tagKey, customerIds, false);
  }
}

@Resolver(() => TagWithCount)
export class TagDetailResolver {
  @FieldResolver(() => [TagVersion], { description: 'Every definition the tag has had, oldest first.' })
  versions(@Root() t: TagWithCount, @Ctx() ctx: Context) {
    return ctx.services.tags.versions(t.id);
  }
}
