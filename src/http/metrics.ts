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
      help: 'GraphQL operations by type, name and outcome',
      labelNames: ['type', 'name', 'outcome'],
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
    recurringRuns: new Counter({
      name: 'cdp_recurring_runs_total',
      help: 'Runs of each recurring job in this process (only the leader runs them)',
      labelNames: ['job'],
      registers: [registry],
    }),
  };
}
export type Metrics = ReturnType<typeof createMetrics>;
