/**
 * The ingestion pipeline's contract (after PostHog's): every step returns ok, drop or quarantine, and
 * expected outcomes are never thrown. Reasons are snake_case literals, reused as metric labels and
 * as the failed-event reason code.
 *
 *   validate → normalise → dedup → drop suppressed → resolve identity → store → after-store hooks
 *
 * validate and normalise are per-event and pure; dedup, resolve and store work on a whole batch with
 * set-based SQL.
 */
export type StepResult<T> =
  | { kind: 'ok'; value: T }
  | { kind: 'drop'; reason: string }
  | { kind: 'quarantine'; reason: string; message: string };

export const ok = <T>(value: T): StepResult<T> => ({ kind: 'ok', value });
export const drop = (reason: string): StepResult<never> => ({ kind: 'drop', reason });
export const quarantine = (reason: string, message: string): StepResult<never> => ({ kind: 'quarantine', reason, message });
export const isOk = <T>(r: StepResult<T>): r is { kind: 'ok'; value: T } => r.kind === 'ok';

export type Step<I, O> = (input: I) => StepResult<O> | Promise<StepResult<O>>;
