/**
 * Serves the built console (console/dist) from this process and port: hashed assets for a year
 * (their names change with their content), index.html for every other console path (the app
 * routes in the browser) and never cached, so a new build is picked up on the next load. Each
 * file goes out as the brotli or gzip copy the build wrote beside it when the client accepts it.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import type { RequestHandler } from 'express';
import { PROJECT_ROOT } from '../lib/project-root.ts';

export const CONSOLE_DIST = join(PROJECT_ROOT, 'console', 'dist');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

/** Paths the API owns; the console never answers them. */
const API = /^\/(graphql|v1|healthz|readyz|metrics)(\/|$)/;

function pickEncoding(accept: string, file: string): { path: string; encoding: string | null } {
  if (/\bbr\b/.test(accept) && existsSync(`${file}.br`)) return { path: `${file}.br`, encoding: 'br' };
  if (/\bgzip\b/.test(accept) && existsSync(`${file}.gz`)) return { path: `${file}.gz`, encoding: 'gzip' };
  return { path: file, encoding: null };
}

export function consoleStatic(dist = CONSOLE_DIST): RequestHandler {
  return (req, res, next) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || API.test(req.path)) return next();
    const index = join(dist, 'index.html');
    if (!existsSync(index)) {
      res.status(503).type('text/plain').send('The console is not built: run `npm run console:build` (npm start does it for you).\n');
      return;
    }
    const asset = req.path.startsWith('/assets/');
    let file = index;
    if (asset) {
      file = normalize(join(dist, req.path));
      if (!file.startsWith(dist + sep) || !existsSync(file) || !statSync(file).isFile()) return void res.status(404).type('text/plain').send('Not found\n');
    } else if (extname(req.path) && req.path !== '/index.html') {
      return void res.status(404).type('text/plain').send('Not found\n');
    }
    const { path, encoding } = pickEncoding(req.header('accept-encoding') ?? '', file);
    res.setHeader('content-type', TYPES[extname(file)] ?? 'application/octet-stream');
    res.setHeader('vary', 'accept-encoding');
    res.setHeader('cache-control', asset ? 'public, max-age=31536000, immutable' : 'no-cache');
    if (encoding) res.setHeader('content-encoding', encoding);
    if (!asset) {
      // The shell is small and names the current hashed assets; a strict policy keeps it to our origin.
      res.setHeader('content-security-policy', "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; font-src 'self' data:; style-src 'self' 'unsafe-inline'");
      res.setHeader('x-content-type-options', 'nosniff');
    }
    const body = readFileSync(path);
    res.setHeader('content-length', String(body.length));
    res.status(200).end(req.method === 'HEAD' ? undefined : body);
  };
}
