import { describe, expect, it } from 'vitest';
import { waitAtMost } from '../../src/lib/wait-at-most.ts';

describe('waitAtMost', () => {
  it('returns when the promise settles, before the time is up', async () => {
    let done = false;
    await expect(waitAtMost(Promise.resolve().then(() => (done = true)), 60_000)).resolves.toBe(true);
    expect(done).toBe(true);
  });

  it('returns once the time is up for a promise that never settles', async () => {
    await expect(waitAtMost(new Promise(() => {}), 10)).resolves.toBe(false);
  });

  it('answers true for a promise that settles with undefined in time', async () => {
    await expect(waitAtMost(Promise.resolve(undefined), 60_000)).resolves.toBe(true);
  });

  it('passes on a rejection that comes first', async () => {
    await expect(waitAtMost(Promise.reject(new Error('no')), 60_000)).rejects.toThrow('no');
  });
});
