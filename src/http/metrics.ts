import { Kind, type DocumentNode, type GraphQLSchema, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One registry per server instance (tests run several in one process). */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpDuration: new Histogram({
      name: 'cdp_http_request_duration_seconds',
      help: 'HTTP request duration by route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    graphqlOperations: new Counter({
      name: 'cdp_graphql_operations_total',
      help: 'GraphQL operations by type, root field (one count per root field selected; "other" for none or unknown) and outcome',
      labelNames: ['type', 'field', 'outcome'],
      registers: [registry],
    }),
    auditWriteFailures: new Counter({
      name: 'cdp_audit_write_failures_total',
      help: 'Audit entries that could not be stored (each logged at error level with the entry); alert on any',
      registers: [registry],
    }),
    wsConnections: new Counter({
      name: 'cdp_ws_connections_total',
      help: 'graphql-ws connections accepted',
      registers: [registry],
    }),
    membershipPublishChanges: new Histogram({
      name: 'cdp_membership_publish_changes',
      help: 'Membership changes carried by one published message (bounded by the publish chunk)',
      buckets: [1, 10, 100, 500, 1000, 5000, 10000, 100000],
      registers: [registry],
    }),
    leader: new Gauge({
      name: 'cdp_leader',
      help: '1 while this process is the leader that runs the recurring jobs for its database, else 0',
      registers: [registry],
    }),
    webhookDeliveries: new Counter({
      name: 'cdp_webhook_items_total',
      help: 'Webhook items by destination id and outcome (delivered, retried, failed, dead_lettered); destinations are capped at 100 and a deleted one leaves',
      labelNames: ['destination', 'outcome'],
      registers: [registry],
    }),
    webhookLatency: new Histogram({
      name: 'cdp_webhook_request_duration_seconds',
      help: 'Webhook request latency (send to answer, or to the error) by destination id',
      labelNames: ['destination'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    recurringRuns: new Counter({
      name: 'cdp_recurring_runs_total',
      help: 'Runs of each recurring job in this process (only the leader runs them)',
      labelNames: ['job'],
      registers: [registry],
    }),
  };
}
export type Metrics = ReturnType<typeof createMetrics>;

/**
 * Label values for an operation: the root fields it selects that the schema has, else "other".
 * Never the client's operationName or aliases: any client could mint label sets without end, and
 * every label set lives in memory until the process exits. The schema's root fields are a bounded set.
 */
export function rootFieldLabels(schema: GraphQLSchema, document: DocumentNode | undefined, operation: OperationDefinitionNode | undefined): string[] {
  if (!document || !operation) return ['other'];
  const root = operation.operation === 'query' ? schema.getQueryType() : operation.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
  const known = root?.getFields() ?? {};
  const fragments = new Map(document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])));
  const found = new Set<string>();
  const seen = new Set<string>();
  const visit = (set: SelectionSetNode) => {
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) found.add(Object.hasOwn(known, s.name.value) ? s.name.value : 'other');
      else if (s.kind === Kind.INLINE_FRAGMENT) visit(s.selectionSet);
      else if (!seen.has(s.name.value)) {
        seen.add(s.name.value);
        const f = fragments.get(s.name.value);
        if (f) visit(f.selectionSet);
      }
    }
  };
  visit(operation.selectionSet);
  return found.size > 0 ? [...found] : ['other'];
}
