/**
 * Subscriptions executed once per cohort. graphql-js runs the whole operation again for every
 * subscriber and every event; with a thousand operators on one segment that was most of the fan-out's
 * CPU (issue 16). Subscribers whose operation (document, operation name, variables) and role are the
 * same get the same answer for the same event — the role is the only thing in the context that
 * changes a result (auth checks and PII masking read it) — so the first of them to take an event
 * executes it, and the rest share that result (graphql-ws then only serialises and sends it).
 *
 * Sharing is keyed on the event object itself: the membership feed hands the very same object to
 * every live subscriber, while replayed events are built per subscriber and simply are not shared.
 * Each subscriber keeps its own source stream (its own filter, replay, resume and per-event key
 * re-check), so ordering and access stay exactly as before.
 */
import { createSourceEventStream, execute, type ExecutionArgs, type ExecutionResult } from 'graphql';
import type { SubscribePayload } from 'graphql-ws';

const cohortOfArgs = new WeakMap<ExecutionArgs, string>();
/** Per event, the result of each cohort that has taken it; dropped with the event. */
const resultsByEvent = new WeakMap<object, Map<string, Promise<ExecutionResult>>>();

/** Called when the operation's arguments are ready (graphql-ws onSubscribe), before `subscribe` sees them. */
export function joinCohort(args: ExecutionArgs, payload: SubscribePayload, role: string): ExecutionArgs {
  cohortOfArgs.set(args, JSON.stringify([role, payload.operationName ?? null, payload.query, payload.variables ?? null]));
  return args;
}

function sharedResult(args: ExecutionArgs, cohort: string | undefined, event: unknown): Promise<ExecutionResult> {
  const run = () => Promise.resolve(execute({ ...args, rootValue: event }));
  if (cohort === undefined || typeof event !== 'object' || event === null) return run();
  let byCohort = resultsByEvent.get(event);
  if (!byCohort) resultsByEvent.set(event, (byCohort = new Map()));
  let result = byCohort.get(cohort);
  if (!result) byCohort.set(cohort, (result = run()));
  return result;
}

/** graphql-ws `subscribe`: graphql-js's own, except that each event is executed once per cohort. */
export async function cohortSubscribe(args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
  const source = await createSourceEventStream(args);
  if (!(Symbol.asyncIterator in source)) return source as ExecutionResult;
  const cohort = cohortOfArgs.get(args); // none: an operation that did not come through onSubscribe is not shared
  const it = source[Symbol.asyncIterator]();
  const mapped: AsyncIterableIterator<ExecutionResult> = {
    async next() {
      const r = await it.next();
      if (r.done) return r;
      return { done: false, value: await sharedResult(args, cohort, r.value) };
    },
    // Straight to the source, so an unsubscribe releases it even while next() waits for an event.
    return: async () => {
      await it.return?.();
      return { done: true, value: undefined };
    },
    throw: async (e) => {
      await it.throw?.(e);
      throw e;
    },
    [Symbol.asyncIterator]() {
      return mapped;
    },
  };
  return mapped;
}
