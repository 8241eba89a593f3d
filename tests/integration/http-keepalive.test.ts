/**
 * Keep-alive behind a load balancer: the server must keep idle connections open longer than the
 * balancer's idle timeout (60 s on AWS ALB, GCP, nginx), or it closes a socket just as the balancer
 * (or any client pool) reuses it, and that request fails ("other side closed"). Shutdown must not wait
 * for those long idle timers.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';

/** A raw keep-alive connection that has made one request and now sits idle; resolves with the response head. */
async function idleKeepAliveConnection(baseUrl: string): Promise<{ socket: net.Socket; head: string; closed: Promise<void> }> {
  const { hostname, port } = new URL(baseUrl);
  // allowHalfOpen: this client does not close its side when the server ends its own; only the server's
  // destroying the connection closes it (the worst case for a draining server).
  const socket = net.connect({ host: hostname, port: Number(port), allowHalfOpen: true });
  // The server is done with the connection once it has ended its side (or destroyed it).
  const closed = new Promise<void>((resolve) => socket.once('end', () => resolve()).once('close', () => resolve()));
  socket.on('error', () => {});
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let buffered = '';
  const head = await new Promise<string>((resolve, reject) => {
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      const end = buffered.indexOf('\r\n\r\n');
      if (end >= 0) {
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(buffered)?.[1] ?? 0);
        if (buffered.length >= end + 4 + length) resolve(buffered.slice(0, end));
      }
    });
    socket.once('close', () => reject(new Error('closed before a response')));
    socket.write(`GET /healthz HTTP/1.1\r\nHost: ${hostname}:${port}\r\nConnection: keep-alive\r\n\r\n`);
  });
  return { socket, head, closed };
}

/** Fails with a message instead of hanging until the test timeout. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms))).finally(() => clearTimeout(timer))]);
}

describe('HTTP keep-alive', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer('pglite', { http: { keepAliveTimeoutMs: 71_000, headersTimeoutMs: 73_000 } });
  });
  afterAll(() => t?.stop());

  it('applies the configured keep-alive and header timeouts', async () => {
    const { socket, head } = await idleKeepAliveConnection(t.baseUrl);
    // Node announces its keep-alive timeout to the client, in whole seconds.
    expect(head).toMatch(/^HTTP\/1\.1 200/);
    expect(head).toMatch(/\r\nkeep-alive: timeout=71\r?$/im);
    socket.destroy();
    expect(t.server.httpServer.keepAliveTimeout).toBe(71_000);
    expect(t.server.httpServer.headersTimeout).toBe(73_000);
  });

  it('defaults outlast a load balancer idle timeout of 60 s', async () => {
    const { loadConfig } = await import('../../src/config/env.ts');
    const http = loadConfig({}).http;
    expect(http.keepAliveTimeoutMs).toBeGreaterThan(60_000);
    expect(http.headersTimeoutMs).toBeGreaterThan(http.keepAliveTimeoutMs);
  });
});

describe('shutdown with an idle keep-alive connection', () => {
  it('closes the idle connection and finishes without waiting for the keep-alive timeout or the grace period', async () => {
    // Both timers far beyond the test timeout: if stop waited for either, the test fails.
    const t = await startTestServer('pglite', { http: { keepAliveTimeoutMs: 290_000, headersTimeoutMs: 295_000 }, shutdownGraceMs: 600_000 });
    try {
      const idle = await idleKeepAliveConnection(t.baseUrl);
      expect(idle.head).toMatch(/^HTTP\/1\.1 200/);
      // The connection is idle only once its response has been written; stop now.
      await within(t.server.stop(), 20_000, 'server.stop() with an idle keep-alive connection');
      await within(idle.closed, 20_000, 'the idle connection closed by the server');
    } finally {
      await t.stop();
    }
  });
});
