/** A clock tests can move: starts at `start` and advances only when told. */
export function testClock(start: Date | string) {
  let now = new Date(start).getTime();
  return {
    now: () => new Date(now),
    advance(ms: number) {
      now += ms;
    },
    set(at: Date | string) {
      now = new Date(at).getTime();
    },
  };
}

export const DAY_MS = 86_400_000;
