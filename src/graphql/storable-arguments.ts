/**
 * Text PostgreSQL cannot store (U+0000, a lone surrogate; see lib/storable-text.ts) is refused once,
 * at the GraphQL boundary, in every argument of every operation: literals in the document (escapes
 * such as "\u0000"), and variables, including inside input objects, lists and JSON scalar values.
 * Otherwise it reaches SQL as a lookup key or a filter and fails there (22021) as a 500.
 *
 * Fields marked with `UNSTORABLE_TEXT_AS_DATA` (the ingestion mutations) are left alone: they report
 * such rows as data, row by row (a row error, a quarantined event), so one bad row never fails a batch.
 *
 * Same check over HTTP (an Apollo plugin) and WebSocket (graphql-ws onSubscribe).
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, Kind, TypeInfo, visit, visitWithTypeInfo, type DocumentNode, type GraphQLSchema, type ValueNode } from 'graphql';
import { ErrorCode } from '../errors.ts';
import { findUnstorableText, isStorableText, UNSTORABLE_TEXT_MESSAGE } from '../lib/storable-text.ts';

/** Field extension: this field's arguments may carry unstorable text, which it reports as data. */
export const UNSTORABLE_TEXT_AS_DATA = 'unstorableTextAsData';

const join = (a: string, b: string) => (a === '' ? b : b === '' ? a : `${a}.${b}`);

interface VariableUse {
  name: string;
  /** The argument path up to the variable, e.g. "customers.filter.traits.0". */
  at: string;
}

/** Path of the first unstorable string in a literal, or null; variables met on the way go to `uses`. */
function scanLiteral(node: ValueNode, at: string, uses: VariableUse[]): string | null {
  const stack: [ValueNode, string][] = [[node, at]];
  while (stack.length) {
    const [v, path] = stack.pop()!;
    switch (v.kind) {
      case Kind.STRING:
        if (!isStorableText(v.value)) return path;
        break;
      case Kind.VARIABLE:
        uses.push({ name: v.name.value, at: path });
        break;
      case Kind.LIST:
        for (let i = v.values.length - 1; i >= 0; i--) stack.push([v.values[i]!, join(path, String(i))]);
        break;
      case Kind.OBJECT:
        for (let i = v.fields.length - 1; i >= 0; i--) stack.push([v.fields[i]!.value, join(path, v.fields[i]!.name.value)]);
        break;
      default:
        break;
    }
  }
  return null;
}

export interface UnstorableArgument {
  /** Response key of the field (its alias, if any), the argument, and the path inside its value. */
  argument: string;
  /** The variable that carried the text, when it came in one. */
  variable?: string;
}

/**
 * The first argument (in document order) holding unstorable text, or null. Fast path: a document
 * whose source has no "\u" escape cannot hold such a literal (the lexer refuses the raw characters).
 */
export function findUnstorableArgument(schema: GraphQLSchema, document: DocumentNode, variables: Record<string, unknown> | null | undefined): UnstorableArgument | null {
  const mayHaveEscapes = document.loc?.source.body.includes('\\u') ?? true;
  if (!mayHaveEscapes && (variables == null || findUnstorableText(variables) === null)) return null;

  const typeInfo = new TypeInfo(schema);
  const keys: string[] = [];
  const uses: VariableUse[] = [];
  const defaults = new Map<string, ValueNode>();
  let found: UnstorableArgument | null = null;
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      VariableDefinition(node) {
        if (node.defaultValue) defaults.set(node.variable.name.value, node.defaultValue);
      },
      FragmentDefinition: {
        enter(node) {
          keys.push(`...${node.name.value}`);
        },
        leave() {
          keys.pop();
        },
      },
      Field: {
        enter(node) {
          keys.push(node.alias?.value ?? node.name.value);
        },
        leave() {
          keys.pop();
        },
      },
      Argument(node) {
        if (found) return false;
        const field = typeInfo.getDirective() ? null : typeInfo.getFieldDef();
        if (field?.extensions?.[UNSTORABLE_TEXT_AS_DATA]) return false;
        const at = join(keys.join('.'), node.name.value);
        const path = scanLiteral(node.value, at, uses);
        if (path !== null) found = { argument: path };
        return false;
      },
    }),
  );
  if (found) return found;
  for (const use of uses) {
    const value = variables?.[use.name];
    if (value === undefined) {
      const fallback = defaults.get(use.name);
      const path = fallback ? scanLiteral(fallback, use.at, []) : null;
      if (path !== null) return { argument: path, variable: use.name };
      continue;
    }
    const inner = findUnstorableText(value);
    if (inner !== null) return { argument: join(use.at, inner), variable: use.name };
  }
  return null;
}

export function unstorableArgumentError(found: UnstorableArgument): GraphQLError {
  const via = found.variable ? ` (variable $${found.variable})` : '';
  return new GraphQLError(`argument ${found.argument}${via} ${UNSTORABLE_TEXT_MESSAGE}`, {
    extensions: { code: ErrorCode.BAD_USER_INPUT, argument: found.argument, ...(found.variable ? { variable: found.variable } : {}) },
  });
}

/** For Apollo: refuses before execution, with 400 like any other argument that fails coercion. */
export const storableArgumentsPlugin: ApolloServerPlugin = {
  async requestDidStart() {
    return {
      async didResolveOperation({ schema, document, request }) {
        const found = findUnstorableArgument(schema, document, request.variables);
        if (!found) return;
        const error = unstorableArgumentError(found);
        throw new GraphQLError(error.message, { extensions: { ...error.extensions, http: { status: 400 } } });
      },
    };
  },
};
