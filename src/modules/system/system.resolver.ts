/**
 * A trivial round trip over every transport: `ping` publishes, `pinged` subscribers receive. It proves
 * the graphql-ws wiring and the pub/sub (in-process or Redis) end to end; real topics use the same path.
 */
import { Authorized, Arg, Ctx, Field, Mutation, ObjectType, Query, Root, Subscription, UseMiddleware } from 'type-graphql';
import { Audited } from '../../graphql/audit.middleware.ts';
import { Access } from '../auth/access.ts';
import type { Context } from '../../graphql/context.ts';
import { Topic, type PingPayload } from '../../pubsub/topics.ts';
import { SERVER_VERSION } from './version.ts';

@ObjectType()
export class Ping {
  @Field(() => String) message!: string;
  @Field(() => String, { description: 'ISO time the ping was published.' }) at!: string;
}

export class SystemResolver {
  @Authorized()
  @Query(() => String, { description: 'Server version.' })
  version(): string {
    return SERVER_VERSION;
  }

  @Authorized()
  @UseMiddleware(Audited())
  @Mutation(() => Ping)
  async ping(@Arg('message', () => String, { defaultValue: 'ping' }) message: string, @Ctx() ctx: Context): Promise<PingPayload> {
    const payload = { message: message.slice(0, 256), at: new Date().toISOString() };
    await ctx.pubsub.publish(Topic.PING, payload);
    return payload;
  }

  @Authorized(...Access.READ)
  @Subscription(() => Ping, { topics: Topic.PING })
  pinged(@Root() payload: PingPayload): PingPayload {
    return payload;
  }
}
