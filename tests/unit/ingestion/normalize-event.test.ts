import { createHash } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ValidatedEvent } from '../../../src/modules/ingestion/event.model.ts';
import { ok, quarantine } from '../../../src/modules/ingestion/pipeline.ts';
import { createNormalizeEventStep } from '../../../src/modules/ingestion/steps/normalize-event.ts';
import { createValidateEventStep } from '../../../src/modules/ingestion/steps/validate-event.ts';

const receivedAt = new Date('2024-05-01T12:00:00.000Z');
const validate = createValidateEventStep();
const track = { type: 'track', event: 'Order Completed', userId: 'u-1' };

/** Events reach normalise through validate, so build the input the way the pipeline does. */
function validated(raw: Record<string, unknown>, at = receivedAt): ValidatedEvent {
  const r = validate({ raw, receivedAt: at });
  if (r.kind !== 'ok') throw new Error(`fixture did not validate: ${JSON.stringify(r)}`);
  return r.value;
}

const sha32 = (canonical: string) => createHash('sha256').update(canonical).digest('hex').slice(0, 32);

describe('normalizeEvent', () => {
  let step: ReturnType<typeof createNormalizeEventStep>;
  const run = (raw: Record<string, unknown>, at?: Date) => step(validated(raw, at));
  const value = async (raw: Record<string, unknown>) => {
    const r = await run(raw);
    if (r.kind !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(r)}`);
    return r.value;
  };
  const rejects = (reason: string) => quarantine(reason, expect.any(String));

  beforeEach(() => {
    step = createNormalizeEventStep({ defaultPhoneRegion: 'CN' });
  });

  it('normalises a complete track event', async () => {
    const raw = {
      type: 'track',
      event: '  Order Completed  ',
      messageId: '  m-1  ',
      userId: ' u-1 ',
      anonymousId: 'anon-1',
      properties: { revenue: '99.999', currency: 'cny', session_id: 's-9' },
      context: { campaign: { name: ' May news ', medium: 'email', source: 'Newsletter-May' }, library: { name: 'analytics.js' }, device: { id: 'dev-1' } },
      timestamp: '2024-05-01T11:58:00Z',
      source: 'shop',
    };
    expect(await run(raw)).toEqual(
      ok({
        messageId: 'm-1',
        source: 'shop',
        label: 'shop',
        type: 'TRACK',
        event: 'Order Completed',
        channel: 'EMAIL',
        sourceName: 'newsletter-may',
        campaign: 'May news',
        identities: [
          { type: 'USER_ID', value: 'u-1' },
          { type: 'ANONYMOUS_ID', value: 'anon-1' },
          { type: 'DEVICE_ID', value: 'dev-1' },
        ],
        anonymousId: 'anon-1',
        previousId: null,
        groupId: null,
        traits: {},
        properties: { revenue: '99.999', currency: 'cny', session_id: 's-9' },
        context: raw.context,
        revenue: 100,
        currency: 'CNY',
        occurredAt: new Date('2024-05-01T11:58:00.000Z'),
        receivedAt,
        sessionId: 's-9',
        raw,
      }),
    );
  });

  describe('event time', () => {
    it('corrects clock skew: receivedAt - (sentAt - timestamp)', async () => {
      // The client clock is 7 minutes slow: it stamped 11:51:00, sent at 11:52:30, we received at 12:00:00.
      // 90 s passed on the client between event and send, so the event happened at 11:58:30.
      const r = await value({ ...track, timestamp: '2024-05-01T11:51:00Z', sentAt: '2024-05-01T11:52:30Z' });
      expect(r.occurredAt).toEqual(new Date('2024-05-01T11:58:30.000Z'));
    });

    it('corrects a fast clock too, and uses originalTimestamp when there is no timestamp', async () => {
      // Client 3 days fast: stamped 2024-05-04T12:00:00, sent 2024-05-04T12:10:00 → 10 min before 12:00 received.
      const fast = await value({ ...track, originalTimestamp: '2024-05-04T12:00:00Z', sentAt: '2024-05-04T12:10:00Z' });
      expect(fast.occurredAt).toEqual(new Date('2024-05-01T11:50:00.000Z'));
    });

    it('corrects with epoch milliseconds', async () => {
      // 1714564680000 = 2024-05-01T11:58:00Z, 1714564690500 = 10.5 s later.
      const r = await value({ ...track, timestamp: 1714564680000, sentAt: '1714564690500' });
      expect(r.occurredAt).toEqual(new Date('2024-05-01T11:59:49.500Z'));
    });

    it('takes a timestamp without sentAt as is, and receivedAt when there is none', async () => {
      expect((await value({ ...track, timestamp: '2024-04-30T08:00:00+08:00' })).occurredAt).toEqual(new Date('2024-04-30T00:00:00.000Z'));
      expect((await value({ ...track, timestamp: 1714564680000 })).occurredAt).toEqual(new Date('2024-05-01T11:58:00.000Z'));
      expect((await value({ ...track, sentAt: '2024-05-01T11:00:00Z' })).occurredAt).toEqual(receivedAt);
      expect((await value(track)).occurredAt).toEqual(receivedAt);
    });

    it('timestamp_in_future: more than 24h after receivedAt once corrected', async () => {
      expect((await value({ ...track, timestamp: '2024-05-02T12:00:00Z' })).occurredAt).toEqual(new Date('2024-05-02T12:00:00.000Z'));
      expect(await run({ ...track, timestamp: '2024-05-02T12:00:00.001Z' })).toEqual(
        quarantine('timestamp_in_future', 'event time 2024-05-02T12:00:00.001Z is more than 24h after it was received'),
      );
      // The same far-off stamp is fine once sentAt shows the client clock is what is off.
      expect((await value({ ...track, timestamp: '2024-05-03T12:00:00Z', sentAt: '2024-05-03T12:00:01Z' })).occurredAt).toEqual(
        new Date('2024-05-01T11:59:59.000Z'),
      );
    });
  });

  describe('event time lower bound (1970-01-01T00:00:00Z, docs/ingestion.md)', () => {
    it('invalid_timestamp: year 0, the earliest JS time and the last millisecond of 1969', async () => {
      for (const timestamp of ['0000-06-01T00:00:00Z', -8.64e15, '1969-12-31T23:59:59.999Z']) {
        expect(await run({ ...track, timestamp })).toEqual(rejects('invalid_timestamp'));
      }
    });

    it('invalid_timestamp: a far-future sentAt whose correction lands before 1970 (here in a negative year)', async () => {
      // 12:00 received − (9999-01-01 − 11:59 the same day as received) is about 5,950 BC.
      expect(await run({ ...track, timestamp: '2024-05-01T11:59:00Z', sentAt: '9999-01-01T00:00:00Z' })).toEqual(rejects('invalid_timestamp'));
    });

    it('accepts the bound itself, and a pre-1970 client clock that sentAt corrects into range', async () => {
      expect((await value({ ...track, timestamp: '1970-01-01T00:00:00Z' })).occurredAt).toEqual(new Date(0));
      // Client clock in year 0: stamped 60 s before it sent, so the event happened 60 s before 12:00 received.
      const skewed = await value({ ...track, timestamp: '0000-06-01T00:00:00Z', sentAt: '0000-06-01T00:01:00Z' });
      expect(skewed.occurredAt).toEqual(new Date('2024-05-01T11:59:00.000Z'));
    });
  });

  describe('messageId', () => {
    it('trims a given one', async () => {
      expect((await value({ ...track, messageId: ' abc ' })).messageId).toBe('abc');
    });

    it('generates gen- + sha256 of the key-sorted payload without sentAt', async () => {
      const r = await value({ userId: 'u-1', type: 'track', event: 'X', sentAt: '2024-05-01T11:59:00Z' });
      expect(r.messageId).toBe(`gen-${sha32('{"event":"X","type":"track","userId":"u-1"}')}`);
    });

    it('is the same for a resend, a reordered payload or another sentAt, and differs for another payload', async () => {
      const base = { type: 'track', event: 'X', userId: 'u-1', properties: { b: 2, a: 1 }, sentAt: '2024-05-01T11:59:00Z' };
      const id = (await value(base)).messageId;
      expect(id).toMatch(/^gen-[0-9a-f]{32}$/);
      expect((await value({ ...base })).messageId).toBe(id);
      expect((await value({ properties: { a: 1, b: 2 }, userId: 'u-1', event: 'X', type: 'track' })).messageId).toBe(id);
      expect((await value({ ...base, sentAt: 1714564799000 })).messageId).toBe(id);
      expect((await value({ ...base, properties: { a: 1, b: 3 } })).messageId).not.toBe(id);
      expect((await value({ ...base, timestamp: '2024-05-01T11:58:00Z' })).messageId).not.toBe(id);
    });
  });

  describe('event name', () => {
    it('stores page and screen calls as "Page Viewed" / "Screen Viewed", the name and category kept as properties', async () => {
      const home = await value({ type: 'page', name: ' Home ', category: 'Docs', userId: 'u', properties: { path: '/' } });
      expect([home.event, home.properties]).toEqual(['Page Viewed', { path: '/', name: 'Home', category: 'Docs' }]);
      const cart = await value({ type: 'screen', name: 'Cart', userId: 'u' });
      expect([cart.event, cart.properties]).toEqual(['Screen Viewed', { name: 'Cart' }]);
      // A name the client already put in properties wins; a page without a name is still a page view.
      expect((await value({ type: 'page', name: 'Top', userId: 'u', properties: { name: 'Mine' } })).properties).toEqual({ name: 'Mine' });
      expect(await value({ type: 'page', userId: 'u' })).toMatchObject({ event: 'Page Viewed', properties: {} });
      // Older GraphQL senders put the page name in `event`.
      expect(await value({ type: 'PAGE', event: 'Checkout', userId: 'u' })).toMatchObject({ event: 'Page Viewed', properties: { name: 'Checkout' } });
      expect(await value({ type: 'PAGE', event: 'Page Viewed', userId: 'u' })).toMatchObject({ event: 'Page Viewed', properties: {} });
      expect(await value({ type: 'page', name: 'Page Viewed', userId: 'u' })).toMatchObject({ event: 'Page Viewed', properties: {} });
      expect((await value({ type: 'identify', userId: 'u', name: 'Ann' })).event).toBeNull();
    });
  });

  describe('channel', () => {
    const channelOf = async (extra: Record<string, unknown>) => {
      const r = await value({ ...track, ...extra });
      return [r.channel, r.sourceName];
    };
    const campaign = (medium: string, source?: string) => ({ context: { campaign: { medium, source } } });

    it('takes an explicit channel over anything inferred, top level before context', async () => {
      expect(await channelOf({ channel: 'sms', ...campaign('cpc', 'google') })).toEqual(['SMS', 'google']);
      expect(await channelOf({ context: { channel: 'crm', library: { name: 'analytics.js' } } })).toEqual(['CRM', null]);
      expect(await channelOf({ channel: 'STORE_POS', context: { channel: 'WEB' } })).toEqual(['STORE_POS', null]);
    });

    it('paid medium from a search engine is SEARCH', async () => {
      expect(await channelOf(campaign('cpc', 'google'))).toEqual(['SEARCH', 'google']);
      expect(await channelOf(campaign('PPC', 'www.baidu.com'))).toEqual(['SEARCH', 'baidu']);
      expect(await channelOf(campaign('paid', 'Bing Ads'))).toEqual(['SEARCH', 'bing']);
      expect(await channelOf(campaign('paid_search', '360'))).toEqual(['SEARCH', '360']);
      expect(await channelOf(campaign('cpc', 'sogou'))).toEqual(['SEARCH', 'sogou']);
    });

    it('other paid media are ADS', async () => {
      expect(await channelOf(campaign('cpc', 'criteo'))).toEqual(['ADS', 'criteo']);
      expect(await channelOf(campaign('display', 'google'))).toEqual(['ADS', 'google']);
      expect(await channelOf(campaign('banner'))).toEqual(['ADS', null]);
      expect(await channelOf(campaign('CPM', 'facebook'))).toEqual(['ADS', 'facebook']);
      // "googlemail" is not "google"
      expect(await channelOf(campaign('cpc', 'googlemail'))).toEqual(['ADS', 'googlemail']);
    });

    it('email, sms and social media', async () => {
      for (const m of ['email', 'Newsletter', 'EDM']) expect(await channelOf(campaign(m, 'crm'))).toEqual(['EMAIL', 'crm']);
      expect(await channelOf(campaign('sms'))).toEqual(['SMS', null]);
      for (const m of ['social', 'social-network', 'Social_Media', 'sm']) {
        expect(await channelOf(campaign(m, 'weibo'))).toEqual(['SOCIAL', 'weibo']);
      }
    });

    it('organic from a search engine is SEARCH; organic from elsewhere falls through', async () => {
      expect(await channelOf(campaign('organic', 'duckduckgo'))).toEqual(['SEARCH', 'duckduckgo']);
      expect(await channelOf({ ...campaign('organic', 'partner-blog'), type: 'page' })).toEqual(['WEB', 'partner-blog']);
      expect(await channelOf(campaign('organic', 'partner-blog'))).toEqual(['OTHER', 'partner-blog']);
    });

    it('reads utm_medium/utm_source from the page URL, then page.search', async () => {
      const url = 'https://shop.example.com/p/1?utm_source=google&utm_medium=cpc&x=1';
      expect(await channelOf({ context: { page: { url } } })).toEqual(['SEARCH', 'google']);
      expect(await channelOf({ context: { page: { url: 'https://shop.example.com/', search: '?utm_medium=sms&utm_source=aliyun' } } })).toEqual([
        'SMS',
        'aliyun',
      ]);
      // context.campaign wins over the URL
      expect(await channelOf({ context: { campaign: { medium: 'email' }, page: { url } } })).toEqual(['EMAIL', 'google']);
    });

    it('a search engine or social site referrer', async () => {
      const from = (referrer: string) => channelOf({ context: { page: { referrer } } });
      expect(await from('https://www.google.co.uk/search?q=shoes')).toEqual(['SEARCH', 'google']);
      expect(await from('https://m.baidu.com/s?wd=x')).toEqual(['SEARCH', 'baidu']);
      expect(await from('https://www.so.com/s?q=x')).toEqual(['SEARCH', '360']);
      expect(await from('https://t.co/abc')).toEqual(['SOCIAL', 'twitter']);
      expect(await from('https://mobile.x.com/home')).toEqual(['SOCIAL', 'twitter']);
      expect(await from('https://www.xiaohongshu.com/explore')).toEqual(['SOCIAL', 'xiaohongshu']);
      expect(await from('https://l.facebook.com/')).toEqual(['SOCIAL', 'facebook']);
      expect(await from('https://www.youtube.com/watch?v=1')).toEqual(['SOCIAL', 'youtube']);
      // box.com is not x.com, and an unreadable referrer is ignored
      expect(await from('https://box.com/')).toEqual(['OTHER', null]);
      expect(await from('not a url')).toEqual(['OTHER', null]);
    });

    it('reads a page call\'s own url and referrer properties (Segment page spec)', async () => {
      expect(await channelOf({ type: 'page', properties: { referrer: 'https://www.instagram.com/' } })).toEqual(['SOCIAL', 'instagram']);
      expect(await channelOf({ type: 'page', properties: { url: 'https://a.example/?utm_medium=edm' } })).toEqual(['EMAIL', null]);
      // not for other types: a track's "referrer" property is its own business
      expect(await channelOf({ properties: { referrer: 'https://www.instagram.com/' } })).toEqual(['OTHER', null]);
    });

    it('mini programs, apps, then the web', async () => {
      const lib = (name: string) => ({ context: { library: { name } } });
      expect(await channelOf({ context: { miniProgram: { appId: 'wx1' }, app: { name: 'shop' } } })).toEqual(['MINI_PROGRAM', null]);
      expect(await channelOf(lib('analytics-miniprogram'))).toEqual(['MINI_PROGRAM', null]);
      expect(await channelOf(lib('sensors-weapp'))).toEqual(['MINI_PROGRAM', null]);
      expect(await channelOf({ context: { app: { name: 'shop', version: '1.2' } } })).toEqual(['APP', null]);
      expect(await channelOf({ type: 'screen', name: 'Home' })).toEqual(['APP', null]);
      for (const name of ['analytics-ios', 'analytics-android', '@segment/analytics-react-native']) {
        expect(await channelOf(lib(name))).toEqual(['APP', null]);
      }
      expect(await channelOf({ type: 'page' })).toEqual(['WEB', null]);
      expect(await channelOf(lib('analytics.js'))).toEqual(['WEB', null]);
      expect(await channelOf(lib('@segment/analytics-node'))).toEqual(['OTHER', null]);
      expect(await channelOf({})).toEqual(['OTHER', null]);
    });

    it('campaign beats referrer, and referrer beats the library', async () => {
      expect(await channelOf({ context: { campaign: { medium: 'email' }, page: { referrer: 'https://www.bing.com/' } } })).toEqual(['EMAIL', 'bing']);
      expect(await channelOf({ context: { page: { referrer: 'https://weibo.com/u/1' }, app: { name: 'shop' } } })).toEqual(['SOCIAL', 'weibo']);
    });
  });

  describe('identities', () => {
    it('extracts and normalises every kind, deduplicated', async () => {
      const r = await value({
        type: 'identify',
        userId: 42,
        anonymousId: ' anon-1 ',
        identities: [
          { type: 'EMAIL', value: ' Ann@Example.COM ' },
          { type: 'WECHAT_OPEN_ID', value: 'oW-1' },
        ],
        traits: { email: 'ann@example.com', phone: '138 0013 8000', name: 'Ann' },
        context: { traits: { email: 'ANN@example.com', phone: '+86 138-0013-8000' }, device: { id: 'dev-1' } },
      });
      expect(r.identities).toEqual([
        { type: 'USER_ID', value: '42' },
        { type: 'ANONYMOUS_ID', value: 'anon-1' },
        { type: 'EMAIL', value: 'ann@example.com' },
        { type: 'WECHAT_OPEN_ID', value: 'oW-1' },
        { type: 'PHONE', value: '+8613800138000' },
        { type: 'DEVICE_ID', value: 'dev-1' },
      ]);
      expect(r.anonymousId).toBe('anon-1');
      expect(r.traits).toEqual({ email: 'ann@example.com', phone: '138 0013 8000', name: 'Ann' });
    });

    it('uses the default phone region for local numbers, including numeric phones', async () => {
      const r = await value({ type: 'identify', traits: { phone: 13800138000 } });
      expect(r.identities).toEqual([{ type: 'PHONE', value: '+8613800138000' }]);
      const us = createNormalizeEventStep({ defaultPhoneRegion: 'US' });
      expect(await us(validated({ type: 'identify', traits: { phone: '(415) 555-2671' } }))).toMatchObject({
        kind: 'ok',
        value: { identities: [{ type: 'PHONE', value: '+14155552671' }] },
      });
    });

    it('drops a malformed incidental identity without quarantine', async () => {
      const r = await value({ type: 'identify', userId: 'u-1', traits: { email: 'not-an-email', phone: '12' } });
      expect(r.identities).toEqual([{ type: 'USER_ID', value: 'u-1' }]);
      expect(r.traits).toEqual({ email: 'not-an-email', phone: '12' });
    });

    it('invalid_identity: an explicit identity that does not normalise', async () => {
      expect(await run({ ...track, identities: [{ type: 'EMAIL', value: 'nope' }] })).toEqual(
        quarantine('invalid_identity', 'identities: EMAIL not a valid email address'),
      );
      expect(await run({ ...track, identities: [{ type: 'CRM_ID', value: '   ' }] })).toEqual(rejects('invalid_identity'));
    });

    it('missing_identity: nothing left once the bad ones are dropped', async () => {
      expect(await run({ type: 'identify', traits: { email: 'nope@' } })).toEqual(rejects('missing_identity'));
      expect(await run({ ...track, userId: 'u'.repeat(257) })).toEqual(rejects('missing_identity'));
    });

    it('keeps an alias previousId apart from identities, and a group id apart from traits identities', async () => {
      const alias = await value({ type: 'alias', userId: 'u-2', previousId: ' anon-9 ' });
      expect(alias.identities).toEqual([{ type: 'USER_ID', value: 'u-2' }]);
      expect(alias.previousId).toBe('anon-9');
      expect((await value({ type: 'alias', previousId: 'anon-9' })).identities).toEqual([]);

      const group = await value({ type: 'group', userId: 'u-2', groupId: 'acme', traits: { email: 'team@acme.com' } });
      expect(group.identities).toEqual([{ type: 'USER_ID', value: 'u-2' }]);
      expect(group.groupId).toBe('acme');
      expect(group.traits).toEqual({ email: 'team@acme.com' });
    });

    it('keeps traits only for identify and group', async () => {
      expect((await value({ ...track, traits: { plan: 'pro' } })).traits).toEqual({});
    });
  });

  describe('revenue, currency and session', () => {
    const money = async (extra: Record<string, unknown>) => {
      const r = await value({ ...track, ...extra });
      return [r.revenue, r.currency];
    };

    it('takes properties.revenue, then properties.total, then top-level revenue, rounded to cents', async () => {
      expect(await money({ properties: { revenue: 10.005, total: 99 }, revenue: 1 })).toEqual([10.01, null]);
      expect(await money({ properties: { total: '1.005' }, revenue: 1 })).toEqual([1.01, null]);
      expect(await money({ revenue: '-2.345' })).toEqual([-2.35, null]);
      expect(await money({ properties: { revenue: null, total: 0.004 } })).toEqual([0, null]);
      expect(await money({})).toEqual([null, null]);
    });

    it('upper-cases a three-letter currency from properties, then the top level, else null', async () => {
      expect(await money({ properties: { revenue: 5, currency: ' usd ' }, currency: 'EUR' })).toEqual([5, 'USD']);
      expect(await money({ properties: { currency: 'dollars' }, currency: 'eur' })).toEqual([null, 'EUR']);
      expect(await money({ currency: 'E1R' })).toEqual([null, null]);
      expect(await money({ currency: 978 })).toEqual([null, null]);
    });

    it('takes the session id from the top level, context, then properties', async () => {
      const session = async (extra: Record<string, unknown>) => (await value({ ...track, ...extra })).sessionId;
      expect(await session({ sessionId: ' s-1 ', context: { sessionId: 's-2' } })).toBe('s-1');
      expect(await session({ context: { sessionId: 's-2' }, properties: { session_id: 's-3' } })).toBe('s-2');
      expect(await session({ properties: { session_id: 's-3', sessionId: 's-4' } })).toBe('s-3');
      expect(await session({ properties: { sessionId: 1714564680 } })).toBe('1714564680');
      expect(await session({ sessionId: {}, properties: { sessionId: '  ' } })).toBeNull();
    });
  });
});
