/**
 * A real HTTP receiver for webhook tests on a loopback ephemeral port. It records every request (raw
 * body, headers), answers as `respond` says, and keeps what a receiver that drops repeated item ids
 * would have processed: `processed` (each id once, when first acknowledged) and `repeats` (ids that
 * arrived again after an acknowledgement of them).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface WebhookItemBody {
  id: string;
  type: string;
  occurredAt: string;
  data: Record<string, unknown> | null;
}

export interface ReceivedRequest {
  n: number;
  /** performance.now() when the body had arrived. */
  at: number;
  headers: http.IncomingHttpHeaders;
  raw: string;
  body: { webhookId: string; items: WebhookItemBody[] };
}

/** delayMs: the answer is held that long (the request counts as in flight meanwhile). */
export type Answer = { status: number; headers?: Record<string, string>; delayMs?: number } | 'hang';
export type Responder = (req: ReceivedRequest) => Answer;

export interface Receiver {
  url: string;
  port: number;
  requests: ReceivedRequest[];
  processed: Map<string, WebhookItemBody>;
  repeats: string[];
  /** Requests received and not yet answered, and the most there ever were at once. */
  inFlight: number;
  maxInFlight: number;
  respond: Responder;
  /** Polls (bounded) until check() holds. */
  waitFor(check: () => boolean, timeoutMs?: number, what?: string): Promise<void>;
  close(): Promise<void>;
}

export async function startReceiver(respond: Responder = () => ({ status: 200 }), port = 0): Promise<Receiver> {
  const held = new Set<http.ServerResponse>();
  const r: Receiver = {
    url: '',
    port: 0,
    requests: [],
    processed: new Map(),
    repeats: [],
    inFlight: 0,
    maxInFlight: 0,
    respond,
    async waitFor(check, timeoutMs = 30_000, what = 'condition') {
      const deadline = Date.now() + timeoutMs;
      while (!check()) {
        if (Date.now() > deadline) throw new Error(`${what} not met in ${timeoutMs} ms (${r.requests.length} requests received)`);
        await new Promise((res) => setTimeout(res, 20));
      }
    },
    async close() {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((res) => server.close(() => res()));
    },
  };
  const server = http.createServer((req, res) => {
    r.inFlight += 1;
    r.maxInFlight = Math.max(r.maxInFlight, r.inFlight);
    res.on('close', () => (r.inFlight -= 1));
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (d) => (raw += d));
    req.on('end', () => {
      const rec: ReceivedRequest = { n: r.requests.length + 1, at: performance.now(), headers: req.headers, raw, body: JSON.parse(raw) };
      r.requests.push(rec);
      const answer = r.respond(rec);
      if (answer === 'hang') {
        held.add(res);
        return;
      }
      const reply = () => {
        if (answer.status >= 200 && answer.status < 300) {
          for (const item of rec.body.items) {
            if (r.processed.has(item.id)) r.repeats.push(item.id);
            else r.processed.set(item.id, item);
          }
        }
        res.writeHead(answer.status, { 'content-type': 'application/json', ...(answer.headers ?? {}) });
        res.end('{}');
      };
      if (answer.delayMs) setTimeout(reply, answer.delayMs);
      else reply();
    });
  });
  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(port, '127.0.0.1', () => res());
  });
  r.port = (server.address() as AddressInfo).port;
  r.url = `http://127.0.0.1:${r.port}/hook`;
  return r;
}

/** Receivers a test file starts (`start`), all closed by `closeAll` in its afterAll. */
export function receiverPool() {
  const started: Receiver[] = [];
  return {
    async start(...args: Parameters<typeof startReceiver>): Promise<Receiver> {
      const r = await startReceiver(...args);
      started.push(r);
      return r;
    },
    closeAll: () => Promise.all(started.map((r) => r.close())),
  };
}
