/**
 * B5: live delivery written by hand — a bare `ws` WebSocketServer and a node:http "write" endpoint on
 * one port. A client socket registers subscriptions with {"type":"subscribe","id"} frames; a POST to
 * /write with {"key"} answers at once and then sends, to every subscription of every socket, the
 * payload held for that key wrapped as graphql-ws wraps it ({"id","type":"next","payload"}). The
 * payloads are the very JSON W3's subscribers received, so both move the same bytes over the same
 * number of sockets. It is the floor for W3: no database, no pub/sub, no GraphQL execution.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface B5Broadcast {
  wsUrl: string;
  writeUrl: string;
  /** Subscriptions registered so far, over all sockets. */
  subscriptions(): number;
  /** The payload JSON to broadcast for each write key. */
  setPayloads(payloads: Map<string, string>): void;
  close(): Promise<void>;
}

export async function startB5Broadcast(): Promise<B5Broadcast> {
  const subscriptions = new Map<WebSocket, string[]>();
  let payloads = new Map<string, string>();

  const broadcast = (payload: string) => {
    for (const [socket, ids] of subscriptions) {
      for (const id of ids) socket.send(`{"id":${JSON.stringify(id)},"type":"next","payload":${payload}}`);
    }
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let payload: string | undefined;
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
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
      broadcast(payload);
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
      payloads = p;
    },
    close: async () => {
      for (const socket of subscriptions.keys()) socket.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
