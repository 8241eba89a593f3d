/**
 * Query cost, as graphql-armor computes it (objects 2, scalars 1, each level ×1.5, a list multiplied
 * by its page size) — except for how the page size is read. Armor only multiplies by a literal
 * `first: 100`; every real client passes `first: $n`, which armor costs as one row, so a nested
 * connection bomb written with variables sailed through. Here a page size is the literal, else the
 * variable's default, else the largest page the server would serve (MAX_PAGE_SIZE); a paged field
 * with no `first` costs the default page. Validation never sees variable values, so this is an upper
 * bound — the same for HTTP and WebSocket.
 */
import {
  GraphQLError,
  getNamedType,
  isCompositeType,
  Kind,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
  type ValueNode,
  type VariableDefinitionNode,
} from 'graphql';
import { ErrorCode } from '../errors.ts';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './page-limits.ts';

const OBJECT_COST = 2;
const SCALAR_COST = 1;
const DEPTH_FACTOR = 1.5;
/** A fragment spread inside itself (refused by NoFragmentCycles anyway) costs this much. */
const RECURSION_COST = 1_000;
const PAGE_ARGS = ['first', 'last'];

function pageSize(field: GraphQLField<unknown, unknown> | undefined, args: readonly { name: { value: string }; value: ValueNode }[], vars: Map<string, VariableDefinitionNode>): number {
  const arg = args.find((a) => PAGE_ARGS.includes(a.name.value));
  if (!arg) return field?.args.some((a) => PAGE_ARGS.includes(a.name)) ? DEFAULT_PAGE_SIZE : 1;
  let value: ValueNode | undefined = arg.value;
  if (value.kind === Kind.VARIABLE) value = vars.get(value.name.value)?.defaultValue;
  if (value?.kind === Kind.INT) return Math.max(1, Number.parseInt(value.value, 10));
  return MAX_PAGE_SIZE;
}

export function documentCost(context: ValidationContext, selectionSet: SelectionSetNode, type: GraphQLCompositeType, vars: Map<string, VariableDefinitionNode>): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  const visiting = new Set<string>();
  const costOf = (set: SelectionSetNode, parent: GraphQLCompositeType): number => {
    let sum = 0;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        const field = 'getFields' in parent ? parent.getFields()[sel.name.value] : undefined;
        if (!sel.selectionSet) {
          sum += SCALAR_COST;
          continue;
        }
        const named = field ? getNamedType(field.type) : undefined;
        const inner = named && isCompositeType(named) ? costOf(sel.selectionSet, named) : 0;
        sum += (OBJECT_COST + DEPTH_FACTOR * inner) * pageSize(field, sel.arguments ?? [], vars);
      } else {
        const name = sel.kind === Kind.FRAGMENT_SPREAD ? sel.name.value : null;
        const frag = name ? (fragments.get(name) ?? context.getFragment(name)) : null;
        if (name && frag) fragments.set(name, frag);
        if (name && visiting.has(name)) {
          sum += RECURSION_COST;
          continue;
        }
        const node = sel.kind === Kind.INLINE_FRAGMENT ? sel : frag;
        if (!node) continue;
        const condition = node.typeCondition ? context.getSchema().getType(node.typeCondition.name.value) : parent;
        if (!condition || !isCompositeType(condition)) continue;
        if (name) visiting.add(name);
        sum += costOf(node.selectionSet, condition);
        if (name) visiting.delete(name);
      }
    }
    return sum;
  };
  return costOf(selectionSet, type);
}

export function costLimitRule(maxCost: number): ValidationRule {
  return (context) => ({
    OperationDefinition(op) {
      const schema = context.getSchema();
      const root = op.operation === 'query' ? schema.getQueryType() : op.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
      if (!root) return;
      const vars = new Map((op.variableDefinitions ?? []).map((v) => [v.variable.name.value, v]));
      const cost = Math.round(documentCost(context, op.selectionSet, root, vars));
      if (cost > maxCost)
        context.reportError(new GraphQLError(`Query Cost limit of ${maxCost} exceeded, found ${cost}.`, { nodes: op, extensions: { code: ErrorCode.QUERY_TOO_COMPLEX } }));
    },
  });
}
