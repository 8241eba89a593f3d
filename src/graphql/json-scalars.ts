/**
 * The JSON and JSONObject scalars of graphql-scalars, with a bound on how deeply an input value nests.
 * Between the scalar and the resolver, type-graphql copies every argument value recursively (its
 * convert-args), so a variable nested a few thousand levels deep overflowed the stack there and came
 * back as INTERNAL_SERVER_ERROR. No input here means anything beyond a few levels (a segment rule
 * nests at most 10), so a value deeper than MAX_JSON_DEPTH is refused as BAD_USER_INPUT, measured
 * without recursion. Literals in the document are already bounded by the token limit.
 */
import { GraphQLError, GraphQLScalarType } from 'graphql';
import { GraphQLJSON, GraphQLJSONObject } from 'graphql-scalars';
import { ErrorCode } from '../errors.ts';

export const MAX_JSON_DEPTH = 64;

/** Whether `value` nests at most `max` arrays and objects deep. */
export function jsonDepthWithin(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth > max) return false;
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return true;
}

function bounded(scalar: GraphQLScalarType): GraphQLScalarType {
  const config = scalar.toConfig();
  const parseValue = config.parseValue!;
  return new GraphQLScalarType({
    ...config,
    parseValue(value) {
      if (!jsonDepthWithin(value, MAX_JSON_DEPTH)) {
        throw new GraphQLError(`${config.name} values nest at most ${MAX_JSON_DEPTH} levels deep`, { extensions: { code: ErrorCode.BAD_USER_INPUT } });
      }
      return parseValue(value);
    },
  });
}

export const JSONScalar = bounded(GraphQLJSON);
export const JSONObjectScalar = bounded(GraphQLJSONObject);
