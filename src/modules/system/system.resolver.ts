/**
 * A trivial round trip over every transport: `ping` publishes, `pinged` subscribers receive. It proves
 * the graphql-ws wiring and the pub/sub (in-process or Redis) end to end; real topics use the same path.
 */
import { Arg, Ctx, Field, Mutation, ObjectType, Query, Root, Subscription } from 'type-graphql';
import type { Context } from '../../graphql/context.ts';
import { Topic, type PingPayload } from '../../pubsub/topics.ts';

@ObjectType()
export class Ping {
  @Field(() => String) message!: string;
  @Field(() => String, { description: 'ISO time the ping was published.' }) at!: string;
}

export class SystemResolver {
  @Query(() => String, { description: 'Server version.' })
  version(): string {
    return '0.1.0';
  }

  @Mutation(() => Ping)
  async ping(@Arg('message', () => String, { defaultValue: 'ping' }) message: string, @Ctx() ctx: Context): Promise<PingPayload> {
    const payload = { message: message.slice(0, 256), at: new Date().toISOString() };
    await ctx.pubsub.publish(Topic.PING, payload);
    return payload;
  }

  @Subscription(() => Ping, { topics: Topic.PING })
  pinged(@Root() payload: PingPayload): PingPayload {
    return payload;
  }
}
