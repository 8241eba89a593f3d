/**
 * B5: live delivery written by hand — a bare `ws` WebSocketServer and a node:http "write" endpoint on
 * one port. A client socket registers subscriptions with {"type":"subscribe","id"} frames; a POST to
 * /write with {"key"} answers at once and then sends, to every subscription of every socket, the
 * payload held for that key wrapped as graphql-ws wraps it ({"id","type":"next","payload"}). The
 * payloads are the very JSON W3's subscribers received, so both move the same bytes over the same
 * number of sockets. It is the floor for W3: no database, no pub/sub, no GraphQL execution.
 *
 * Timing is defined as for W3: the payload's `at` is replaced, per write, by this server's own clock
 * (new Date().toISOString(), as the GraphQL server serialises its `at`) read when it has the write's body
 * and is about to answer and broadcast, and the subscribers compute receipt − at on the same machine's
 * wall clock. (W3's `at` is read earlier in its write, inside the transaction before the commit.)
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface B5Broadcast {
  wsUrl: string;
  writeUrl: string;
  /** Subscriptions registered so far, over all sockets. */
  subscriptions(): number;
  /** The payload JSON to broadcast for each write key (its `at` is replaced by the time of the write). */
  setPayloads(payloads: Map<string, string>): void;
  close(): Promise<void>;
}

export async function startB5Broadcast(): Promise<B5Broadcast> {
  const subscriptions = new Map<WebSocket, string[]>();
  /** Per write key, the payload JSON split around the value of its `at`. */
  let payloads = new Map<string, [string, string]>();

  const broadcast = (payload: string) => {
    for (const [socket, ids] of subscriptions) {
      for (const id of ids) socket.send(`{"id":${JSON.stringify(id)},"type":"next","payload":${payload}}`);
    }
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let payload: [string, string] | undefined;
      try {
        payload = payloads.get((JSON.parse(Buffer.concat(chunks).toString('utf8')) as { key?: string }).key ?? '');
      } catch {
        payload = undefined;
      }
      if (req.url !== '/write' || payload === undefined) {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end('{"errors":[{"message":"unknown write"}]}');
        return;
      }
      const at = JSON.stringify(new Date().toISOString());
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
      broadcast(payload[0] + at + payload[1]);
    });
  });
  const wss = new WebSocketServer({ server, path: '/ws' });
  wss.on('connection', (socket) => {
    subscriptions.set(socket, []);
    socket.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as { type?: string; id?: string };
      if (frame.type === 'subscribe' && typeof frame.id === 'string') subscriptions.get(socket)?.push(frame.id);
    });
    socket.on('close', () => subscriptions.delete(socket));
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    writeUrl: `http://127.0.0.1:${port}/write`,
    subscriptions: () => [...subscriptions.values()].reduce((n, ids) => n + ids.length, 0),
    setPayloads(p) {
      payloads = new Map(
        [...p].map(([key, json]) => {
          const m = /"at":("[^"]*"|\d+)/.exec(json);
          if (!m) throw new Error(`B5: payload for ${key} has no "at": ${json.slice(0, 200)}`);
          const start = m.index + '"at":'.length;
          return [key, [json.slice(0, start), json.slice(start + m[1]!.length)]];
        }),
      );
    },
    close: async () => {
      for (const socket of subscriptions.keys()) socket.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
