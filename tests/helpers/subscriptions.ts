import { print } from 'graphql';
import type { Client } from 'graphql-ws';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';

/**
 * Collects what a subscription delivers, so a test can wait for a number of events with a deadline
 * (a missing event fails the test instead of hanging it).
 */
export function collect<T, V>(client: Client, doc: TypedDocumentNode<T, V>, variables: V) {
  const received: T[] = [];
  const errors: unknown[] = [];
  let completed = false;
  const waiters = new Set<() => void>();
  const wake = () => waiters.forEach((w) => w());
  const dispose = client.subscribe<T>(
    { query: print(doc), variables: variables as Record<string, unknown> },
    {
      next: (r) => {
        if (r.errors) errors.push(...r.errors);
        if (r.data) received.push(r.data as T);
        wake();
      },
      error: (e) => {
        errors.push(e);
        wake();
      },
      complete: () => {
        completed = true;
        wake();
      },
    },
  );
  return {
    received,
    errors,
    get completed() {
      return completed;
    },
    dispose,
    async waitFor(count: number, timeoutMs = 15_000): Promise<T[]> {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        if (errors.length) throw new Error(`subscription error: ${JSON.stringify(errors)}`);
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`expected ${count} events, got ${received.length}: ${JSON.stringify(received)}`);
        await new Promise<void>((resolve) => {
          const w = () => {
            waiters.delete(w);
            resolve();
          };
          waiters.add(w);
          setTimeout(w, Math.min(left, 200));
        });
      }
      return received;
    },
  };
}

/** Resolves once the server has registered `count` live subscribers on its membership feed. */
export async function waitUntil(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
