/**
 * One write per socket per fan-out. A socket carries many subscriptions (50 in the bench), and one
 * event sends each of them a message from its own promise chain, all in the same turn of the event
 * loop; written one by one that was a system call per message, the largest item in the fan-out's CPU
 * profile (issue 16). Corking the socket at the first message of a turn and uncorking it once the
 * turn's microtasks have run hands everything sent meanwhile to the kernel in one writev. The messages
 * and their order are unchanged.
 */
import type net from 'node:net';
import type { WebSocket } from 'ws';

export function batchWritesPerTurn(ws: WebSocket): void {
  // ws keeps the TCP socket as _socket; without one (never for a server-side socket) sends stay as they are.
  const socket = (ws as unknown as { _socket?: net.Socket })._socket;
  if (!socket) return;
  const send = ws.send.bind(ws);
  let corked = false;
  const uncork = () => {
    corked = false;
    socket.uncork();
  };
  ws.send = ((...args: Parameters<WebSocket['send']>) => {
    if (!corked) {
      corked = true;
      socket.cork();
      process.nextTick(uncork);
    }
    return send(...args);
  }) as WebSocket['send'];
}
