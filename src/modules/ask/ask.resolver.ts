import { Arg, Authorized, Ctx, Info, Query, Resolver } from 'type-graphql';
import type { GraphQLResolveInfo } from 'graphql';
import type { Context } from '../../graphql/context.ts';
import { Access } from '../auth/access.ts';
import { runQuery } from './ask.runner.ts';
import { AskResult } from './ask.types.ts';

@Resolver()
export class AskResolver {
  @Authorized(...Access.READ)
  @Query(() => AskResult, {
    description:
      'A question in plain English or Chinese ("which channel converts best last month", "最近30天每天的活跃用户"), answered by running the GraphQL query it maps to, with the caller\'s own rights. docs/ask.md lists the question forms.',
  })
  ask(
    @Arg('question', () => String, { description: '1 to 500 characters.' }) question: string,
    @Arg('timezone', () => String, { defaultValue: 'UTC', description: 'IANA zone relative dates ("last month") and buckets are read in.' }) timezone: string,
    @Info() info: GraphQLResolveInfo,
    @Ctx() ctx: Context,
  ) {
    return ctx.services.ask.ask({ question, timezone }, (query, variables) => runQuery(info.schema, query, variables, ctx));
  }
}
