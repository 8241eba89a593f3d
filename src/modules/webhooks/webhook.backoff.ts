/**
 * When to try again: exponential backoff with full jitter (a random delay between 0 and
 * base × 2^(attempt−1), capped), so receivers coming back are not hit by every sender at once. A
 * Retry-After from the receiver (seconds or an HTTP date) is honoured as the least delay, capped too.
 */

export function retryDelayMs(attempt: number, opts: { baseMs: number; maxDelayMs: number }, retryAfterMs: number | null, random: () => number = Math.random): number {
  const ceiling = Math.min(opts.maxDelayMs, opts.baseMs * 2 ** Math.min(Math.max(attempt - 1, 0), 40));
  const jittered = Math.floor(random() * ceiling);
  return Math.min(opts.maxDelayMs, Math.max(jittered, retryAfterMs ?? 0));
}

/** Retry-After as milliseconds from now, or null when absent or unreadable. */
export function parseRetryAfter(value: string | undefined | null, now: Date): number | null {
  if (!value) return null;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - now.getTime());
}

/** Network errors, timeouts, 408, 429 and 5xx are worth retrying; any other answer is final. */
export const isRetryableStatus = (status: number): boolean => status === 408 || status === 429 || status >= 500;
