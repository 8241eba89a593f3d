/** Pure parts of webhook delivery, on hand-checked cases: the address guard, backoff, Retry-After, signatures, grouped acknowledgements, item JSON. */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isRetryableStatus, parseRetryAfter, retryDelayMs } from '../../src/modules/webhooks/webhook.backoff.ts';
import { sign, verify } from '../../src/modules/webhooks/webhook.signature.ts';
import { AckCoalescer } from '../../src/modules/webhooks/ack-coalescer.ts';
import { queueItemText } from '../../src/modules/webhooks/webhook.payload.ts';
import { AllowList, checkWebhookUrl, embeddedIpv4, isInternalAddress } from '../../src/modules/webhooks/url-guard.ts';

describe('webhook address guard', () => {
  it('knows internal addresses, v4, v6 and IPv4 inside IPv6', () => {
    for (const a of ['127.0.0.1', '10.9.8.7', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '255.255.255.255', '::1', '::', 'fe80::1', 'fd12:3456::1', 'ff02::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:10.0.0.1', '::7f00:1'])
      expect(isInternalAddress(a), a).toBe(true);
    for (const a of ['8.8.8.8', '172.32.0.1', '192.169.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])
      expect(isInternalAddress(a), a).toBe(false);
    expect(embeddedIpv4('::ffff:c0a8:101')).toBe('192.168.1.1');
    expect(embeddedIpv4('2606:4700::1')).toBeNull();
  });

  it('judges NAT64 and 6to4 addresses by the IPv4 address they carry; local-use NAT64 is refused', () => {
    // 64:ff9b::/96 (RFC 6052) and 2002::/16 (RFC 3056) embed an IPv4 address: bits 96-127 and 16-47.
    expect(embeddedIpv4('64:ff9b::7f00:1')).toBe('127.0.0.1');
    expect(embeddedIpv4('64:ff9b::10.0.0.1')).toBe('10.0.0.1');
    expect(embeddedIpv4('2002:c0a8:101::1')).toBe('192.168.1.1');
    for (const a of ['64:ff9b::7f00:1', '64:ff9b::a9fe:a9fe', '2002:a00:1::', '2002:7f00:1:0:0:0:0:1', '64:ff9b:1::808:808'])
      expect(isInternalAddress(a), a).toBe(true);
    // What a DNS64 resolver answers for a public IPv4-only host, and 6to4 to a public address.
    for (const a of ['64:ff9b::808:808', '2002:808:808::1']) expect(isInternalAddress(a), a).toBe(false);
  });

  it('lets through what WEBHOOK_ALLOWED_HOSTS names, by host or range', () => {
    const allow = new AllowList(['127.0.0.1', 'hooks.internal', '10.1.0.0/16', 'fd00::/8']);
    expect(allow.permits('x', '127.0.0.1')).toBe(true);
    expect(allow.permits('x', '127.0.0.2')).toBe(false);
    expect(allow.permits('x', '10.1.200.3')).toBe(true);
    expect(allow.permits('x', '10.2.0.1')).toBe(false);
    expect(allow.permits('hooks.internal', '192.168.5.5')).toBe(true);
    expect(allow.permits('x', 'fd00::5')).toBe(true);
    expect(allow.permits('x', '::ffff:127.0.0.1')).toBe(true);
  });

  it('refuses http, credentials and internal hosts; allows http only to allowed hosts', async () => {
    const none = new AllowList([]);
    const local = new AllowList(['127.0.0.1']);
    expect((await checkWebhookUrl('http://127.0.0.1:9/h', none)).ok).toBe(false);
    expect((await checkWebhookUrl('http://127.0.0.1:9/h', local)).ok).toBe(true);
    expect((await checkWebhookUrl('https://[::ffff:7f00:1]/h', none)).ok).toBe(false);
    expect((await checkWebhookUrl('https://u:p@127.0.0.1/h', local)).ok).toBe(false);
    expect((await checkWebhookUrl('ftp://127.0.0.1/h', local)).ok).toBe(false);
    expect((await checkWebhookUrl('not a url', local)).ok).toBe(false);
  });

  it('calls a host that does not resolve transient (retried at send time), every other refusal final', async () => {
    // .invalid never resolves (RFC 6761).
    expect(await checkWebhookUrl('https://no-such-host.invalid/h', new AllowList([]))).toMatchObject({ ok: false, transient: true });
    const refused = await checkWebhookUrl('https://10.0.0.1/h', new AllowList([]));
    expect(refused.ok).toBe(false);
    expect(refused.ok === false && refused.transient).toBeFalsy();
  });
});

describe('webhook backoff', () => {
  const opts = { baseMs: 1_000, maxDelayMs: 60_000 };
  it('draws from [0, base × 2^(attempt−1)) capped, honours Retry-After as the least delay', () => {
    expect(retryDelayMs(1, opts, null, () => 0.999)).toBe(999);
    expect(retryDelayMs(3, opts, null, () => 0.5)).toBe(2_000);
    expect(retryDelayMs(30, opts, null, () => 0.5)).toBe(30_000);
    expect(retryDelayMs(1, opts, 5_000, () => 0.1)).toBe(5_000);
    expect(retryDelayMs(1, opts, 3_600_000, () => 0.1)).toBe(60_000);
  });
  it('reads Retry-After in seconds or as an HTTP date', () => {
    const now = new Date('2026-03-01T00:00:00Z');
    expect(parseRetryAfter('7', now)).toBe(7_000);
    expect(parseRetryAfter('Sun, 01 Mar 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });
  it('retries network-like answers only', () => {
    expect([408, 429, 500, 502, 503].every(isRetryableStatus)).toBe(true);
    expect([301, 400, 401, 404, 410, 422].some(isRetryableStatus)).toBe(false);
  });
});

describe('webhook signature', () => {
  it('is HMAC-SHA256 of "t.body", verifiable and tamper-evident', () => {
    const body = '{"webhookId":"w","items":[]}';
    const header = sign('s3cret-s3cret-s3cret', 1_767_225_600, body);
    const hex = createHmac('sha256', 's3cret-s3cret-s3cret').update(`1767225600.${body}`).digest('hex');
    expect(header).toBe(`t=1767225600,v1=${hex}`);
    expect(verify('s3cret-s3cret-s3cret', header, body, 1_767_225_700)).toBe(true);
    expect(verify('s3cret-s3cret-s3cret', header, body + ' ', 1_767_225_700)).toBe(false);
    expect(verify('other-secret-other', header, body, 1_767_225_700)).toBe(false);
    expect(verify('s3cret-s3cret-s3cret', header, body, 1_767_225_600 + 301)).toBe(false);
  });
});

describe('acknowledgements written in groups', () => {
  /** A write the test finishes by hand, recording what each write held. */
  function harness() {
    const writes: string[][] = [];
    const finish: (() => void)[] = [];
    const failNext: { err: Error | null } = { err: null };
    const c = new AckCoalescer<{ token: string; n: number }, number>(
      (acks) => {
        writes.push(acks.map((a) => a.token));
        const err = failNext.err;
        failNext.err = null;
        return new Promise((resolve, reject) => finish.push(() => (err ? reject(err) : resolve(new Map(acks.filter((a) => a.n > 0).map((a) => [a.token, a.n]))))));
      },
      (a) => a.token,
    );
    const settle = async () => {
      finish.shift()!();
      await new Promise((r) => setImmediate(r));
    };
    return { c, writes, settle, failNext };
  }

  it('writes the first at once, alone; those that come meanwhile go together in the next write', async () => {
    const { c, writes, settle } = harness();
    const a = c.add({ token: 'a', n: 3 });
    expect(writes).toEqual([['a']]);
    const b = c.add({ token: 'b', n: 5 });
    const lost = c.add({ token: 'lost', n: 0 });
    expect(writes).toEqual([['a']]);
    await settle();
    expect(await a).toBe(3);
    expect(writes).toEqual([['a'], ['b', 'lost']]);
    await settle();
    expect(await b).toBe(5);
    // No result for a token: its lease was lost.
    expect(await lost).toBeUndefined();
    // Idle again: the next one is written at once.
    const d = c.add({ token: 'd', n: 1 });
    expect(writes).toEqual([['a'], ['b', 'lost'], ['d']]);
    await settle();
    expect(await d).toBe(1);
  });

  it('a failed write fails every acknowledgement it held, and the next write goes on', async () => {
    const { c, writes, settle, failNext } = harness();
    const a = c.add({ token: 'a', n: 1 });
    const b = c.add({ token: 'b', n: 1 });
    const d = c.add({ token: 'd', n: 1 });
    // Handlers attached before the rejection comes.
    const bFails = expect(b).rejects.toThrow('connection lost');
    const dFails = expect(d).rejects.toThrow('connection lost');
    failNext.err = new Error('connection lost');
    await settle();
    expect(await a).toBe(1);
    const e = c.add({ token: 'e', n: 2 });
    await settle();
    await bFails;
    await dFails;
    expect(writes).toEqual([['a'], ['b', 'd'], ['e']]);
    await settle();
    expect(await e).toBe(2);
  });
});

describe('queue item JSON', () => {
  const data = { id: '0b9c1c52-4a43-4d39-9a53-1f3a1e0f2b11', event: 'Order Completed', properties: { sku: 'Aé', note: 'say "hi"' }, revenue: 42.5 };
  const base = { id: '1', itemKey: `tp:${data.id}`, attempts: 1, claim: 'c:0', payload: null };

  it('wraps a touchpoint as the object a receiver parses, its JSON as the database wrote it', () => {
    const ref = { at: '2026-03-01T11:05:00.000Z', kind: null, data: JSON.stringify(data) };
    expect(JSON.parse(queueItemText({ ...base, kind: 'TOUCHPOINT', ref }))).toEqual({ id: `tp:${data.id}`, type: 'touchpoint', occurredAt: ref.at, data });
  });

  it('writes an alert with its kind in the type', () => {
    const alert = { id: 'a1', kind: 'NEGATIVE_FEEDBACK', details: { score: -0.9 } };
    const ref = { at: '2026-03-01T12:00:00.000Z', kind: 'NEGATIVE_FEEDBACK', data: JSON.stringify(alert) };
    expect(JSON.parse(queueItemText({ ...base, itemKey: 'alert:a1', kind: 'ALERT', ref }))).toEqual({ id: 'alert:a1', type: 'alert.negative_feedback', occurredAt: ref.at, data: alert });
  });

  it('writes data null for a touchpoint or alert that is gone, and a kept payload as it is', () => {
    expect(JSON.parse(queueItemText({ ...base, kind: 'TOUCHPOINT', ref: null }))).toEqual({ id: base.itemKey, type: 'touchpoint', occurredAt: null, data: null });
    expect(JSON.parse(queueItemText({ ...base, itemKey: 'alert:x', kind: 'ALERT', ref: null }))).toEqual({ id: 'alert:x', type: 'alert.unknown', occurredAt: null, data: null });
    const payload = '{"id":"seg:7","type":"segment.entered","occurredAt":"2026-03-01T00:00:00.000Z","data":{"seq":"7"}}';
    expect(queueItemText({ ...base, itemKey: 'seg:7', kind: 'SEGMENT_CHANGE', ref: null, payload })).toBe(payload);
  });
});
