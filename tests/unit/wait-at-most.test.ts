import { describe, expect, it } from 'vitest';
import { waitAtMost } from '../../src/lib/wait-at-most.ts';

describe('waitAtMost', () => {
  it('returns when the promise settles, before the time is up', async () => {
    let done = false;
    await waitAtMost(Promise.resolve().then(() => (done = true)), 60_000);
    expect(done).toBe(true);
  });

  it('returns once the time is up for a promise that never settles', async () => {
    await expect(waitAtMost(new Promise(() => {}), 10)).resolves.toBeUndefined();
  });

  it('passes on a rejection that comes first', async () => {
    await expect(waitAtMost(Promise.reject(new Error('no')), 60_000)).rejects.toThrow('no');
  });
});
