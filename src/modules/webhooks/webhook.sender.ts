/**
 * One POST to a destination with node:http(s): a timeout for the whole request, redirects never
 * followed (a 3xx is a final answer), the response body drained and dropped, and the connection's DNS
 * lookup guarded against internal addresses. One keep-alive agent per destination bounds its sockets.
 */
import http from 'node:http';
import https from 'node:https';
import type { AllowList } from './url-guard.ts';
import { guardedLookup } from './url-guard.ts';

export type SendResult = { kind: 'answered'; status: number; retryAfter: string | null; latencyMs: number } | { kind: 'error'; error: string; latencyMs: number };

export class DestinationAgent {
  private readonly agent: http.Agent;
  private inFlight = 0;
  private retired = false;

  constructor(
    readonly url: URL,
    maxSockets: number,
    private readonly allow: AllowList,
  ) {
    const opts = { keepAlive: true, maxSockets, lookup: guardedLookup(allow) };
    this.agent = url.protocol === 'https:' ? new https.Agent(opts) : new http.Agent(opts);
  }

  post(body: string, headers: Record<string, string>, timeoutMs: number): Promise<SendResult> {
    const started = performance.now();
    const lib = this.url.protocol === 'https:' ? https : http;
    this.inFlight++;
    return new Promise<SendResult>((resolve) => {
      let settled = false;
      const done = (r: SendResult) => {
        if (settled) return;
        settled = true;
        if (--this.inFlight === 0 && this.retired) this.agent.destroy();
        resolve(r);
      };
      const req = lib.request(
        this.url,
        {
          method: 'POST',
          agent: this.agent,
          signal: AbortSignal.timeout(timeoutMs),
          headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'cdp-webhooks/1', ...headers },
        },
        (res) => {
          res.on('data', () => {});
          res.on('end', () =>
            done({ kind: 'answered', status: res.statusCode ?? 0, retryAfter: (res.headers['retry-after'] as string | undefined) ?? null, latencyMs: performance.now() - started }),
          );
          res.on('error', (err) => done({ kind: 'error', error: err.message, latencyMs: performance.now() - started }));
        },
      );
      req.on('error', (err) => {
        const e = err as NodeJS.ErrnoException;
        const what = e.name === 'AbortError' || e.name === 'TimeoutError' ? `timeout after ${timeoutMs} ms` : e.code ? `${e.code}: ${e.message}` : e.message;
        done({ kind: 'error', error: what, latencyMs: performance.now() - started });
      });
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }

  /** Closes once the requests in flight are answered (a URL change): cutting them off would send their items twice. */
  retire(): void {
    this.retired = true;
    if (this.inFlight === 0) this.agent.destroy();
  }
}
