/**
 * Request signing, as Stripe and Segment sign theirs: `X-CDP-Signature: t=<unix seconds>,v1=<hex>`
 * where hex = HMAC-SHA256(secret, `${t}.${body}`). Receivers recompute it over the raw body, compare
 * in constant time and refuse a `t` too far from their clock (replays). docs/webhooks.md has a snippet.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-cdp-signature';

export function sign(secret: string, unixSeconds: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

/** Verifies a signature header against the raw body; `toleranceSeconds` bounds the age of `t`. */
export function verify(secret: string, header: string, body: string, nowSeconds: number, toleranceSeconds = 300): boolean {
  const parts = Object.fromEntries(header.split(',').map((kv) => kv.split('=', 2) as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || Math.abs(nowSeconds - t) > toleranceSeconds || !parts.v1) return false;
  const expected = Buffer.from(createHmac('sha256', secret).update(`${t}.${body}`).digest('hex'));
  const given = Buffer.from(parts.v1);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
