/**
 * Waits for `promise` to settle, or `ms` milliseconds, whichever comes first, and clears its timer
 * either way. For waits that must not hold their caller up (a publish, a close, a connection that may
 * never be ready): after `ms` the caller carries on and the promise completes, or not, on its own. A
 * rejection that comes first is passed on, so callers hand in promises that handle their own errors.
 */
export async function waitAtMost(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
