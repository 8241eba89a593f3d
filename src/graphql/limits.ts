/**
 * Bounds on one GraphQL document — tokens, depth, aliases, directives, cost — applied the same way to
 * HTTP (Apollo `parseOptions` + validation rules) and WebSocket (graphql-ws `parse` and `validate`).
 * Tokens are graphql-js's own `maxTokens` (checked while lexing, before anything is built); the rest
 * are graphql-armor validation rules, and cost is ours (cost-rule.ts). Field suggestions ("Did you
 * mean ...") are masked so the schema cannot be guessed with introspection off. Rejections carry
 * QUERY_TOO_COMPLEX (see errors.ts).
 */
import { ApolloArmor } from '@escape.tech/graphql-armor';
import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, parse, specifiedRules, validate, type DocumentNode, type GraphQLSchema, type ParseOptions, type Source, type ValidationRule } from 'graphql';
import type { QueryLimits } from '../config/env.ts';
import { ErrorCode } from '../errors.ts';
import { costLimitRule } from './cost-rule.ts';

type Reject = (ctx: { reportError(e: GraphQLError): void } | null, error: GraphQLError) => void;

const tooComplex = (message: string) => new GraphQLError(message.replace(/^Syntax Error: /, ''), { extensions: { code: ErrorCode.QUERY_TOO_COMPLEX } });

/** Armor's own handler reports BAD_USER_INPUT; ours says what kind of failure it is. */
const reportTooComplex: Reject = (ctx, error) => ctx?.reportError(tooComplex(error.message));

/** graphql-js words its token-limit error as a syntax error; it is a limit. */
export const isTokenLimitError = (message: string): boolean => /Document contains more th[ae][nt] \d+ tokens/.test(message);

export interface QueryGuards {
  /** For `new ApolloServer({ plugins, validationRules, parseOptions })`. */
  apollo: { plugins: ApolloServerPlugin[]; validationRules: ValidationRule[]; parseOptions: ParseOptions };
  /** graphql-ws `parse`, with the token limit. */
  parse(source: string | Source): DocumentNode;
  /** graphql-ws `validate`: the standard rules plus the same limits as HTTP. */
  validate(schema: GraphQLSchema, document: DocumentNode): readonly GraphQLError[];
}

export function createQueryGuards(limits: QueryLimits): QueryGuards {
  const rejecting = { propagateOnRejection: false, onReject: [reportTooComplex] };
  const armor = new ApolloArmor({
    maxDepth: { n: limits.maxDepth, ...rejecting },
    maxAliases: { n: limits.maxAliases, ...rejecting },
    maxDirectives: { n: limits.maxDirectives, ...rejecting },
    costLimit: { enabled: false }, // ours (cost-rule.ts) also costs `first: $variable`
    maxTokens: { enabled: false }, // graphql-js does it while parsing (parseOptions below)
    blockFieldSuggestion: { enabled: true },
  });
  const protection = armor.protect();
  const plugins = protection.plugins;
  const validationRules = [...protection.validationRules, costLimitRule(limits.maxCost)];
  const rules = [...specifiedRules, ...validationRules];
  const parseOptions: ParseOptions = { maxTokens: limits.maxTokens };
  return {
    apollo: { plugins: plugins as ApolloServerPlugin[], validationRules, parseOptions },
    parse(source) {
      try {
        return parse(source, parseOptions);
      } catch (e) {
        if (e instanceof GraphQLError && isTokenLimitError(e.message)) throw tooComplex(e.message);
        throw e;
      }
    },
    validate: (schema, document) => validate(schema, document, rules),
  };
}
