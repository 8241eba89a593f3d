/**
 * What webhook tests share: a configuration for quick retries to a loopback receiver, the
 * receiver's own signature check, and bounded polls on the API. Every wait is a poll on something
 * observable, never a sleep.
 */
import { createHmac } from 'node:crypto';
import { expect } from 'vitest';
import { loadConfig, type WebhookConfig } from '../../src/config/env.ts';
import { CreateWebhookDocument, RecordTouchpointsDocument, WebhookDocument, type CreateWebhookInput, type TouchpointInput } from '../generated/graphql.ts';
import type { TestServer } from './server.ts';
import type { ReceivedRequest } from './webhook-receiver.ts';

/** Loopback allowed, quick polls and retries, batches of 10. */
export const base: WebhookConfig = {
  ...loadConfig({}).webhooks,
  allowedHosts: ['127.0.0.1'],
  pollMs: 50,
  retryBaseMs: 20,
  retryMaxDelayMs: 100,
  requestTimeoutMs: 5_000,
  batchSize: 10,
};

/** The receiver's side of the signature: recomputed here from the raw body, not with the server's code. */
export function verifySignature(secret: string, req: ReceivedRequest): boolean {
  const header = String(req.headers['x-cdp-signature'] ?? '');
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  if (!m) return false;
  const expected = createHmac('sha256', secret).update(`${m[1]}.${req.raw}`).digest('hex');
  return expected === m[2] && Math.abs(Date.now() / 1000 - Number(m[1])) < 300;
}

export async function createWebhook(t: TestServer, input: CreateWebhookInput) {
  return (await t.ok(CreateWebhookDocument, { input })).createWebhook;
}

export async function record(t: TestServer, input: TouchpointInput[]) {
  const r = (await t.ok(RecordTouchpointsDocument, { input })).recordTouchpoints;
  expect(r.accepted).toBe(input.length);
  return r.results;
}

export async function webhook(t: TestServer, id: string) {
  return (await t.ok(WebhookDocument, { id })).webhook!;
}

/** Bounded poll on the API. */
export async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not reached in ${timeoutMs} ms; last ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
