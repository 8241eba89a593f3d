/**
 * A loopback TCP proxy for fault tests: put it in front of PostgreSQL or Redis, point the server at
 * it, then cut the line and put it back while the server runs.
 *
 * - `drop()`: every open connection is destroyed and new ones are refused (ECONNREFUSED: the port
 *   stops listening), like a database that went away.
 * - `blackhole()`: open connections are destroyed, new ones are accepted but nothing is forwarded
 *   either way, like a network partition (the client only finds out through its own timeouts).
 * - `restore()`: forwards again, on the same port.
 * - `holdReplies()` / `releaseReplies()`: what the server sends is held back, then delivered in
 *   order, so a client stays mid-handshake (connected, no answers yet) for as long as a test needs.
 */
import net from 'node:net';

export interface TcpProxy {
  readonly port: number;
  /** Connections currently forwarded. */
  readonly connections: number;
  /** Client connections that have sent at least one byte (a handshake under way). */
  readonly clientsHeard: number;
  /** Bytes the clients have sent, in all. */
  readonly bytesFromClients: number;
  holdReplies(): void;
  releaseReplies(): void;
  drop(): Promise<void>;
  blackhole(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

type Mode = 'forward' | 'blackhole' | 'refuse';

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  let mode: Mode = 'forward';
  const sockets = new Set<net.Socket>();
  let holding = false;
  const held: (() => void)[] = [];
  let clientsHeard = 0;
  let bytesFromClients = 0;
  const track = (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
  };
  const server = net.createServer((client) => {
    track(client);
    if (mode !== 'forward') return; // blackhole: hold the socket, forward nothing
    const upstream = net.connect(targetPort, targetHost);
    track(upstream);
    client.pipe(upstream);
    client.once('data', () => clientsHeard++);
    client.on('data', (d: Buffer) => (bytesFromClients += d.length));
    upstream.on('data', (d: Buffer) => (holding ? held.push(() => client.write(d)) : client.write(d)));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  const stopListening = () => new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
  const destroyAll = () => {
    for (const s of sockets) s.destroy();
    sockets.clear();
  };

  await listen(0);
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    get connections() {
      return sockets.size;
    },
    get clientsHeard() {
      return clientsHeard;
    },
    get bytesFromClients() {
      return bytesFromClients;
    },
    holdReplies() {
      holding = true;
    },
    releaseReplies() {
      holding = false;
      for (const send of held.splice(0)) send();
    },
    async drop() {
      mode = 'refuse';
      const closed = stopListening(); // resolves once the remaining sockets are gone
      destroyAll();
      await closed;
    },
    async blackhole() {
      mode = 'blackhole';
      destroyAll();
      if (!server.listening) await listen(port);
    },
    async restore() {
      if (!server.listening) await listen(port);
      // Connections held while blackholed never carried anything; the client replaces them.
      if (mode === 'blackhole') destroyAll();
      mode = 'forward';
    },
    async close() {
      mode = 'refuse';
      const closed = stopListening();
      destroyAll();
      await closed;
    },
  };
}
