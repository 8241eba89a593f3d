/**
 * A bare graphql-transport-ws client over `ws`, for tests that need what graphql-ws's client hides:
 * pausing the socket (a subscriber that stops reading) and the close code the server sent.
 */
import WebSocket from 'ws';

export interface RawSubscription<T> {
  received: T[];
  errors: unknown[];
  /** Resolves with the close code once the server closes the socket (or the operation completes: 1000). */
  closed: Promise<number>;
  pause(): void;
  resume(): void;
  /**
   * An unsolicited pong (RFC 6455 allows one as a heartbeat): graphql-ws's keep-alive takes any pong
   * as an answer, so a paused client that sends these stays connected while it reads nothing.
   */
  heartbeat(): void;
  close(): void;
}

export async function rawSubscribe<T>(wsUrl: string, key: string, query: string, variables: Record<string, unknown>): Promise<RawSubscription<T>> {
  const ws = new WebSocket(wsUrl, 'graphql-transport-ws');
  const received: T[] = [];
  const errors: unknown[] = [];
  let ack!: () => void;
  const acked = new Promise<void>((resolve) => (ack = resolve));
  const closed = new Promise<number>((resolve) => {
    ws.on('close', (code) => resolve(code));
    ws.on('message', (raw) => {
      const msg = JSON.parse(String(raw)) as { type: string; payload?: { data?: T; errors?: unknown[] } | unknown[] };
      if (msg.type === 'connection_ack') ack();
      else if (msg.type === 'next') {
        const p = msg.payload as { data?: T; errors?: unknown[] };
        if (p.errors) errors.push(...p.errors);
        if (p.data) received.push(p.data);
      } else if (msg.type === 'error') errors.push(...(msg.payload as unknown[]));
      else if (msg.type === 'complete') {
        ws.close(1000);
        resolve(1000);
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${key}` } }));
  await acked;
  ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query, variables } }));
  return { received, errors, closed, pause: () => ws.pause(), resume: () => ws.resume(), heartbeat: () => ws.pong(), close: () => ws.close(1000) };
}
