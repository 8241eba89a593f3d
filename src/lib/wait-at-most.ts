/**
 * Waits for `promise` to settle, or `ms` milliseconds, whichever comes first, and clears its timer
 * either way. For waits that must not hold their caller up (a publish, a close, a connection that may
 * never be ready): after `ms` the caller carries on and the promise completes, or not, on its own. A
 * rejection that comes first is passed on, so callers hand in promises that handle their own errors.
 * Answers whether the promise settled in time.
 */
export async function waitAtMost(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const TIMED_OUT = Symbol('timed out');
    return (await Promise.race([promise, new Promise<symbol>((resolve) => (timer = setTimeout(() => resolve(TIMED_OUT), ms)))])) !== TIMED_OUT;
  } finally {
    clearTimeout(timer);
  }
}
