/**
 * The load generator for read workloads, run in its own process (forked with tsx) so that it does not
 * share an event loop with the server it measures. It receives a LoadSpec over IPC, runs autocannon
 * (each request takes the next prepared body, round robin), and sends back a LoadResult.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

export interface LoadSpec {
  url: string;
  bodies: string[];
  connections: number;
  durationSec: number;
  headers?: Record<string, string>;
}

export interface LoadResult {
  requests: number;
  seconds: number;
  requestsPerSec: number;
  latencyMs: { p50: number; p90: number; p99: number; mean: number; max: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  /** 2xx answers whose body still carried GraphQL `errors`. */
  errorBodies: number;
}

async function run(spec: LoadSpec): Promise<LoadResult> {
  let next = 0;
  let errorBodies = 0;
  const url = new URL(spec.url);
  const result = await autocannon({
    url: url.origin,
    connections: spec.connections,
    duration: spec.durationSec,
    requests: [
      {
        method: 'POST',
        path: url.pathname,
        headers: { 'content-type': 'application/json', ...spec.headers },
        setupRequest: (req) => ({ ...req, body: spec.bodies[next++ % spec.bodies.length] }),
        onResponse: (_status, body) => {
          if (body.startsWith('{"errors"') || body.includes('"errors":[')) errorBodies++;
        },
      },
    ],
  });
  return {
    requests: result.requests.total,
    seconds: result.duration,
    requestsPerSec: result.requests.total / result.duration,
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, mean: result.latency.average, max: result.latency.max },
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    errorBodies,
  };
}

/** Runs one load in a child process and waits for its result. */
export function runLoad(spec: LoadSpec): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), ['--child'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let result: LoadResult | null = null;
    child.once('message', (m) => {
      result = m as LoadResult;
    });
    child.once('error', reject);
    child.once('exit', (code) => (result ? resolve(result) : reject(new Error(`load generator exited with ${code} and no result`))));
    child.send(spec);
  });
}

if (process.argv.includes('--child') && process.send) {
  process.once('message', (spec) => {
    run(spec as LoadSpec).then(
      (r) => process.send!(r, () => process.exit(0)),
      (err) => {
        console.error(err);
        process.exit(1);
      },
    );
  });
}
