/**
 * Runs the query a question maps to through the schema itself, with the asker's context: the same
 * resolvers, services, rights and checks as the query sent directly, so the two answers cannot drift.
 */
import { execute, parse, validate, type GraphQLSchema } from 'graphql';
import type { Context } from '../../graphql/context.ts';

export type QueryRunner = (query: string, variables: Record<string, unknown>) => Promise<Record<string, unknown>>;

export async function runQuery(schema: GraphQLSchema, query: string, variables: Record<string, unknown>, ctx: Context): Promise<Record<string, unknown>> {
  const document = parse(query);
  const invalid = validate(schema, document);
  // A plan that does not validate is a bug in the interpreter, not the asker's fault.
  if (invalid.length > 0) throw new Error(`ask built an invalid query: ${invalid[0]!.message}`);
  const result = await execute({ schema, document, variableValues: variables, contextValue: ctx });
  // The inner query's own error (UNKNOWN_EVENT, FORBIDDEN...) is the answer's error, code and all.
  if (result.errors?.length) throw result.errors[0]!.originalError ?? result.errors[0]!;
  return result.data as Record<string, unknown>;
}
