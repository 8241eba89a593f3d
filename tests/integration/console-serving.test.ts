/**
 * The console is served by the API's own process and port: compressed, hashed assets cached for a
 * year, the shell never cached, every console path answered with the shell, and the API paths
 * unchanged. Also the Live page's first load in compressed JavaScript (the 300 KB budget).
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { gunzipSync, brotliDecompressSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveFirstLoad, distDir } from '../../scripts/console-build.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

/** The bytes as sent (fetch would undo the content-encoding). */
function getRaw(url: string, encoding: string): Promise<{ headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http.get(url, { headers: { 'accept-encoding': encoding } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
}

describe('console serving', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer('pglite');
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('answers console paths with the shell and leaves the API paths alone', async () => {
    for (const path of ['/', '/people/abc', '/insights']) {
      const res = await fetch(t.baseUrl + path, { headers: { 'accept-encoding': 'identity' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/text\/html/);
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(await res.text()).toBe(readFileSync(`${distDir}/index.html`, 'utf8'));
    }
    expect((await fetch(t.baseUrl + '/graphql')).status).toBe(401);
    expect((await fetch(t.baseUrl + '/healthz')).status).toBe(200);
    expect((await fetch(t.baseUrl + '/assets/nope.js')).status).toBe(404);
    expect((await fetch(t.baseUrl + '/assets/..%2f..%2fpackage.json')).status).toBe(404);
  });

  it('sends hashed assets compressed, cached for a year', async () => {
    const { files } = liveFirstLoad();
    const name = files[0]!.name;
    const raw = readFileSync(`${distDir}/${name}`);
    const br = await getRaw(`${t.baseUrl}/${name}`, 'gzip, deflate, br');
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(brotliDecompressSync(br.body).equals(raw)).toBe(true);
    const gz = await getRaw(`${t.baseUrl}/${name}`, 'gzip');
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).equals(raw)).toBe(true);
    const plain = await getRaw(`${t.baseUrl}/${name}`, 'identity');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.equals(raw)).toBe(true);
  });

  it('keeps the Live page first load under 300 KB of compressed JavaScript', () => {
    const first = liveFirstLoad();
    console.log(`Live page first load: ${first.files.length} script(s), ${first.gzip} B gzip, ${first.brotli} B brotli`);
    expect(first.files.length).toBeGreaterThan(0);
    expect(first.gzip).toBeLessThan(300 * 1024);
    // GraphiQL and ECharts load only on their pages.
    const html = readFileSync(`${distDir}/index.html`, 'utf8');
    expect(html).not.toMatch(/graphiql|insights/);
  });
});
