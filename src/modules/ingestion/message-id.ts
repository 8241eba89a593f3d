import { createHash } from 'node:crypto';
import { stableStringify } from '../../lib/stable-json.ts';

/**
 * An id for an event sent without one. Derived from the payload (keys sorted) so that a client
 * retrying the same event gets the same id and dedup catches it; sentAt is left out because a retry
 * is sent at a different time.
 */
export function generateMessageId(raw: Record<string, unknown>): string {
  const { sentAt: _sentAt, ...rest } = raw;
  return `gen-${createHash('sha256').update(stableStringify(rest)).digest('hex').slice(0, 32)}`;
}
