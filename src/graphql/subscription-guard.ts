/**
 * Subscriptions outlive the check made when they started: a key can be revoked (or its role lost)
 * while events keep flowing. This wraps a subscription's event stream and re-verifies the key before
 * every event (a cache hit almost always; an in-process revoke clears the cache at once, a revoke
 * made elsewhere is seen within the key cache TTL). Lost access ends the stream and closes the
 * connection with 4403.
 *
 * A hand-written iterator rather than an async generator: a generator's return() waits for the
 * pending next(), so an unsubscribe while no event comes would never release the source.
 */
import type { ApiKeyRole } from '../generated/prisma/enums.ts';
import { QueueOverflowError } from '../lib/async-queue.ts';
import type { Context } from './context.ts';

export const WS_CLOSE_FORBIDDEN = 4403;
/**
 * The subscriber fell further behind than the server buffers for it (SUBSCRIBER_MAX_LAG): everything
 * it received is complete and in order; it resubscribes with since = the last seq it received.
 */
export const WS_CLOSE_RESUME = 4410;

const resumeClosed = new WeakSet<Context>();

/** Ends the connection of a subscriber that fell behind, with the code that says "resume with since". */
export function closeForResume(ctx: Context): void {
  // The feed closes at once; the stream notices again when graphql-ws next pulls from it.
  if (resumeClosed.has(ctx)) return;
  resumeClosed.add(ctx);
  ctx.logger.info({ apiKeyId: ctx.auth.id }, 'subscriber fell behind: closed 4410');
  ctx.closeConnection?.(WS_CLOSE_RESUME, 'Fell behind: resubscribe with since = the last seq received');
}

export async function recheckedStream<T>(
  ctx: Context,
  roles: readonly ApiKeyRole[],
  source: AsyncIterable<T> | Promise<AsyncIterable<T>>,
): Promise<AsyncIterableIterator<T>> {
  const it = (await source)[Symbol.asyncIterator]();
  let ended = false;
  const finish = async (): Promise<IteratorResult<T>> => {
    ended = true;
    await it.return?.();
    return { done: true, value: undefined };
  };
  const guarded: AsyncIterableIterator<T> = {
    async next() {
      if (ended) return { done: true, value: undefined };
      let r: IteratorResult<T>;
      try {
        r = await it.next();
      } catch (err) {
        if (!(err instanceof QueueOverflowError)) throw err;
        closeForResume(ctx);
        return finish();
      }
      if (r.done) return r;
      const key = await ctx.services.apiKeys.verifyHash(ctx.auth.keyHash);
      if (!key || !roles.includes(key.role)) {
        ctx.logger.info({ apiKeyId: ctx.auth.id }, 'subscription ended: key no longer allowed');
        ctx.closeConnection?.(WS_CLOSE_FORBIDDEN, 'Forbidden: the API key was revoked or lost its role');
        return finish();
      }
      return r;
    },
    return: finish,
    async throw(e) {
      ended = true;
      if (it.throw) return it.throw(e);
      throw e;
    },
    [Symbol.asyncIterator]() {
      return guarded;
    },
  };
  return guarded;
}
