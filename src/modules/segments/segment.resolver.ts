import { Authorized, Arg, Args, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root, Subscription, UseMiddleware } from 'type-graphql';
import { Audited } from '../../graphql/audit.middleware.ts';
import { MaskPiiBy, RefusePiiArgsForReader } from '../../graphql/pii.middleware.ts';
import { maskRule, previewPiiPaths } from './segment.pii-args.ts';
import { Access } from '../auth/access.ts';
import type { Context } from '../../graphql/context.ts';
import { closeForResume, recheckedStream } from '../../graphql/subscription-guard.ts';
import { JSONScalar } from '../../graphql/scalars.ts';
import { Customer } from '../customers/customer.type.ts';
import type { FeedEvent } from './membership.feed.ts';
import { ChangesArgs, CreateSegmentInput, MembershipChangedArgs, UpdateSegmentInput } from './segment.inputs.ts';
import type { SegmentFull } from './segment.repository.ts';
import {
  MembershipChange,
  MembershipChangePage,
  RecomputeResult,
  Segment,
  SegmentMemberConnection,
  SegmentPreview,
  SegmentSizePoint,
  SegmentVersion,
} from './segment.type.ts';

@Resolver(() => Segment)
export class SegmentResolver {
  @Authorized(...Access.READ)
  @Query(() => Segment, { nullable: true })
  segment(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    return ctx.services.segments.get(id);
  }

  @Authorized(...Access.READ)
  @Query(() => [Segment], { description: 'Live segments (archived ones too with includeArchived).' })
  segments(@Arg('includeArchived', () => Boolean, { defaultValue: false }) includeArchived: boolean, @Ctx() ctx: Context) {
    return ctx.services.segments.list(includeArchived);
  }

  @Authorized(...Access.READ)
  @Query(() => JSONScalar, { description: 'JSON Schema of the segment rule language, for rule editors.' })
  segmentRuleSchema(@Ctx() ctx: Context) {
    return ctx.services.segments.ruleSchema();
  }

  @Authorized(...Access.READ)
  @UseMiddleware(RefusePiiArgsForReader(previewPiiPaths))
  @Query(() => SegmentPreview, { description: 'What a rule would select now, compared with an existing segment; stores nothing.' })
  previewSegment(@Arg('rule', () => JSONScalar) rule: unknown, @Arg('compareTo', () => ID, { nullable: true }) compareTo: string | null, @Ctx() ctx: Context) {
    return ctx.services.segments.preview(rule, compareTo);
  }

  @Authorized(...Access.OPERATE)
  @UseMiddleware(Audited())
  @Mutation(() => Segment)
  createSegment(@Arg('input', () => CreateSegmentInput) input: CreateSegmentInput, @Ctx() ctx: Context) {
    return ctx.services.segments.create(input);
  }

  @Authorized(...Access.OPERATE)
  @UseMiddleware(Audited())
  @Mutation(() => Segment)
  updateSegment(@Arg('id', () => ID) id: string, @Arg('input', () => UpdateSegmentInput) input: UpdateSegmentInput, @Ctx() ctx: Context) {
    return ctx.services.segments.update(id, input);
  }

  @Authorized(...Access.OPERATE)
  @UseMiddleware(Audited())
  @Mutation(() => Segment, { description: 'Stops updating the segment and hides it from customer.segments; its history stays.' })
  archiveSegment(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    return ctx.services.segments.archive(id);
  }

  @Authorized(...Access.OPERATE)
  @UseMiddleware(Audited())
  @Mutation(() => RecomputeResult, { description: 'Full recompute from the rule; normally not needed (membership is kept current).' })
  recomputeSegment(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    return ctx.services.segments.recompute(id);
  }

  @FieldResolver(() => Int, { description: 'Current number of members.' })
  size(@Root() s: SegmentFull, @Ctx() ctx: Context) {
    return ctx.services.segments.size(s.id);
  }

  @FieldResolver(() => JSONScalar)
  @UseMiddleware(MaskPiiBy(maskRule))
  rule(@Root() s: SegmentFull) {
    return s.rule;
  }

  @FieldResolver(() => Date, { nullable: true })
  archivedAt(@Root() s: SegmentFull) {
    return s.archivedAt ?? null;
  }

  @FieldResolver(() => SegmentMemberConnection)
  members(
    @Root() s: SegmentFull,
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ) {
    return ctx.services.segments.members(s.id, first, after, ctx.loaders.customerById);
  }

  @FieldResolver(() => [SegmentSizePoint], {
    description: 'Size at the end of each of the last `days` UTC days (1 to 366), oldest first, today last; counted back from the members now through the outbox (docs/subscriptions.md).',
  })
  sizeTrend(@Root() s: SegmentFull, @Ctx() ctx: Context, @Arg('days', () => Int, { defaultValue: 30 }) days: number) {
    return ctx.services.segments.sizeTrend(s.id, days, ctx.loaders.segmentSizeTrend);
  }

  @FieldResolver(() => [SegmentVersion])
  versions(@Root() s: SegmentFull, @Ctx() ctx: Context) {
    return ctx.services.segments.versions(s.id);
  }

  @FieldResolver(() => MembershipChangePage, { description: 'The outbox of this segment, in seq order.' })
  changes(@Root() s: SegmentFull, @Args(() => ChangesArgs) args: ChangesArgs, @Ctx() ctx: Context) {
    return ctx.services.segments.changes([s.id], args.since, args.first);
  }
}

@Resolver(() => MembershipChange)
export class MembershipChangeResolver {
  @Authorized(...Access.READ)
  @Subscription(() => MembershipChange, {
    description: 'ENTERED/LEFT as they commit. With since, first replays every change after it: no gap, no duplicate.',
    subscribe: ({ args, context }) =>
      recheckedStream(
        context as Context,
        Access.READ,
        (context as Context).services.segments.subscribe(args.segmentIds ?? null, args.since ?? null, () => closeForResume(context as Context)),
      ),
  })
  segmentMembershipChanged(@Root() e: FeedEvent, @Args(() => MembershipChangedArgs) _args: MembershipChangedArgs): FeedEvent {
    return e;
  }

  @FieldResolver(() => Segment, { nullable: true })
  segment(@Root() e: FeedEvent, @Ctx() ctx: Context) {
    return e.segment !== undefined ? e.segment : ctx.loaders.segmentById.load(e.segmentId);
  }

  @FieldResolver(() => Customer, { nullable: true, description: 'Loaded once per change for all subscribers.' })
  customer(@Root() e: FeedEvent, @Ctx() ctx: Context) {
    return e.customer !== undefined ? e.customer : ctx.loaders.customerById.load(e.customerId);
  }
}
