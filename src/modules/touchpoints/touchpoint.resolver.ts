import { Extensions, Authorized, Arg, Args, ArgsType, Ctx, Field, FieldResolver, ID, Int, Mutation, Query, Resolver, Root, UseMiddleware } from 'type-graphql';
import { UNSTORABLE_TEXT_AS_DATA } from '../../graphql/storable-arguments.ts';
import { Audited } from '../../graphql/audit.middleware.ts';
import { Access } from '../auth/access.ts';
import type { Context } from '../../graphql/context.ts';
import { TouchpointInput } from './touchpoint.inputs.ts';
import { MaskPii } from '../../graphql/pii.middleware.ts';
import { pageNameOf, type TouchpointRecord } from './touchpoint.model.ts';
import { FailedEventConnection, JourneyConnection, JourneySession, RecordTouchpointsPayload, ReprocessFailedEventsPayload, Touchpoint } from './touchpoint.type.ts';

@ArgsType()
class FailedEventsArgs {
  @Field(() => String, { nullable: true, description: 'Only this reason code, e.g. "missing_identity".' }) reason?: string | null;
  @Field(() => Int, { nullable: true }) first?: number | null;
  @Field(() => String, { nullable: true }) after?: string | null;
}

type Lazy<T> = () => Promise<T>;

@Resolver()
export class TouchpointResolver {
  @Authorized(...Access.INGEST)
  @UseMiddleware(Audited())
  // Rows with unstorable text are reported per row (data), not refused as a whole request.
  @Extensions({ [UNSTORABLE_TEXT_AS_DATA]: true })
  @Mutation(() => RecordTouchpointsPayload, {
    description: 'Record up to 1,000 touchpoints. A bad one is quarantined, never fails the batch; a resent messageId is a duplicate.',
  })
  recordTouchpoints(@Arg('input', () => [TouchpointInput]) input: TouchpointInput[], @Ctx() ctx: Context) {
    return ctx.services.touchpoints.record(input, ctx.auth.id);
  }

  @Authorized(...Access.OPERATE)
  @Query(() => FailedEventConnection, { description: 'Quarantined events not yet reprocessed, newest first.' })
  failedEvents(@Args(() => FailedEventsArgs) args: FailedEventsArgs, @Ctx() ctx: Context) {
    return ctx.services.touchpoints.failedEvents(args);
  }

  @Authorized(...Access.OPERATE)
  @UseMiddleware(Audited())
  @Mutation(() => ReprocessFailedEventsPayload)
  reprocessFailedEvents(@Arg('ids', () => [ID]) ids: string[], @Ctx() ctx: Context) {
    return ctx.services.touchpoints.reprocess(ids);
  }
}

@Resolver(() => FailedEventConnection)
export class FailedEventConnectionResolver {
  @FieldResolver(() => Int)
  totalCount(@Root() c: { totalCount: Lazy<number> }) {
    return c.totalCount();
  }
}

@Resolver(() => JourneyConnection)
export class JourneyConnectionResolver {
  @FieldResolver(() => Int)
  totalCount(@Root() c: { totalCount: Lazy<number> }) {
    return c.totalCount();
  }

  @FieldResolver(() => [JourneySession])
  sessions(@Root() c: { sessions: Lazy<JourneySession[]> }) {
    return c.sessions();
  }

  @FieldResolver(() => Int)
  channelSwitches(@Root() c: { channelSwitches: Lazy<number> }) {
    return c.channelSwitches();
  }
}

@Resolver(() => Touchpoint)
export class TouchpointFieldsResolver {
  // Page and screen names are the site's or app's own labels, not the person's: shown as they are
  // (an email-shaped one is masked for READER keys), while properties.name stays masked as any "name".
  @FieldResolver(() => String, { nullable: true, description: 'For PAGE and SCREEN touchpoints: which page or screen (properties.name).' })
  @UseMiddleware(MaskPii('json'))
  pageName(@Root() t: Pick<TouchpointRecord, 'type' | 'properties'>) {
    return pageNameOf(t);
  }
}
