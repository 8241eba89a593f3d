/**
 * An open-loop request stream in the bench process: one request every `intervalMs` whatever the answers
 * of earlier ones (up to `maxInFlight`; past that a send waits for a slot and the lag is recorded), each
 * timed from when it was due, not from when it went out. A closed loop would hide a stall (the few
 * requests in flight wait, nobody else is sent); here every request due during a stall waits it out and
 * shows in the percentiles, as a client with its own schedule would see it.
 */
import { percentiles } from './fanout-client.ts';
import type { StreamStats } from './steady-client.ts';

/** The slot-limited stream's counts (steady-client.ts), plus when each answer came. */
export interface OpenLoopStats extends StreamStats {
  seconds: number;
  /** [seconds since the phase started, latency ms] of every successful request, in order of due time. */
  samples: [number, number][];
}

export interface OpenLoop {
  /** Stops sending, waits for the requests in flight, and answers what the phase saw. */
  stop(): Promise<OpenLoopStats>;
}

/** `send(i)` makes the i-th request (counting from `firstIndex`) and throws when its answer is not the expected one. */
export function startOpenLoop(opts: { intervalMs: number; maxInFlight: number; firstIndex: number; send: (i: number) => Promise<void> }): OpenLoop {
  const started = performance.now();
  const samples: [number, number][] = [];
  const firstErrors: string[] = [];
  const open = new Set<Promise<void>>();
  let sent = 0;
  let errors = 0;
  let waitedForSlot = 0;
  let maxLagMs = 0;
  let stopped = false;
  let wake: (() => void) | null = null;
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(() => ((wake = null), resolve()), ms);
      wake = () => {
        clearTimeout(t);
        wake = null;
        resolve();
      };
    });

  const loop = (async () => {
    for (let k = 0; !stopped; k++) {
      const due = started + k * opts.intervalMs;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      if (stopped) break;
      if (open.size >= opts.maxInFlight) {
        waitedForSlot++;
        while (open.size >= opts.maxInFlight && !stopped) await Promise.race(open);
        if (stopped) break;
      }
      maxLagMs = Math.max(maxLagMs, performance.now() - due);
      const i = opts.firstIndex + k;
      sent++;
      const p: Promise<void> = opts
        .send(i)
        .then(
          () => void samples.push([(due - started) / 1000, performance.now() - due]),
          (err: Error) => {
            errors++;
            if (firstErrors.length < 5) firstErrors.push(err.message.slice(0, 300));
          },
        )
        .finally(() => open.delete(p));
      open.add(p);
    }
  })();

  return {
    async stop() {
      stopped = true;
      wake?.();
      await loop;
      await Promise.all(open);
      samples.sort((a, b) => a[0] - b[0]);
      return {
        sent,
        ok: samples.length,
        errors,
        firstErrors,
        waitedForSlot,
        maxLagMs,
        seconds: (performance.now() - started) / 1000,
        latencyMs: percentiles(samples.map((s) => s[1])),
        samples,
      };
    },
  };
}
