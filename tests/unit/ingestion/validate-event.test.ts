import { beforeEach, describe, expect, it } from 'vitest';
import { ok, quarantine } from '../../../src/modules/ingestion/pipeline.ts';
import { createValidateEventStep } from '../../../src/modules/ingestion/steps/validate-event.ts';

const receivedAt = new Date('2024-05-01T12:00:00.000Z');
const track = { type: 'track', event: 'Order Completed', userId: 'u-1' };

/** A payload whose nesting, counting the top-level object as 1, is exactly `depth`. */
function nestedTo(depth: number): Record<string, unknown> {
  let inner: Record<string, unknown> = { leaf: true };
  for (let level = 3; level <= depth; level++) inner = { next: inner };
  return { ...track, properties: inner };
}

describe('validateEvent', () => {
  let step: ReturnType<typeof createValidateEventStep>;
  const run = (raw: unknown, source?: string) => step({ raw, receivedAt, source });
  const rejects = (reason: string) => quarantine(reason, expect.any(String));

  beforeEach(() => {
    step = createValidateEventStep({});
  });

  it('types a good event and keeps the raw payload', async () => {
    const raw = {
      type: 'Track',
      event: '  Order Completed ',
      userId: 42,
      messageId: ' m-1 ',
      properties: { revenue: '19.90', currency: 'usd' },
      context: { channel: 'web' },
      timestamp: '2024-05-01T11:58:00Z',
      sentAt: 1714564740000,
      channel: 'mini_program',
      revenue: '12.5',
      _metadata: { jsRuntime: 'node' },
    };
    expect(await run(raw, 'shop')).toEqual(
      ok({
        payload: {
          type: 'TRACK',
          event: 'Order Completed',
          userId: '42',
          messageId: 'm-1',
          properties: { revenue: '19.90', currency: 'usd' },
          context: { channel: 'web' },
          timestamp: new Date('2024-05-01T11:58:00.000Z'),
          sentAt: new Date('2024-05-01T11:59:00.000Z'),
          channel: 'MINI_PROGRAM',
          revenue: 12.5,
        },
        source: 'shop',
        label: 'shop',
        receivedAt,
        raw,
      }),
    );
  });

  it('accepts every Segment type in any case, and our upper-case names', async () => {
    const cases: [string, string][] = [
      ['track', 'TRACK'], ['PAGE', 'PAGE'], ['Screen', 'SCREEN'], ['identify', 'IDENTIFY'], ['GROUP', 'GROUP'], ['alias', 'ALIAS'],
    ];
    for (const [type, expected] of cases) {
      const group = expected === 'GROUP' ? { groupId: 'acme' } : {};
      expect(await run({ ...track, type, ...group })).toMatchObject({ kind: 'ok', value: { payload: { type: expected } } });
    }
  });

  it('prefers the door source to the payload source, and defaults to ""', async () => {
    expect(await run({ ...track, source: ' crm ' }, ' web ')).toMatchObject({ kind: 'ok', value: { source: 'web' } });
    expect(await run({ ...track, source: ' crm ' })).toMatchObject({ kind: 'ok', value: { source: 'crm' } });
    expect(await run(track)).toMatchObject({ kind: 'ok', value: { source: '' } });
    expect(await run({ ...track, source: 's'.repeat(257) })).toEqual(rejects('invalid_source'));
  });

  it('labels the touchpoint with the payload source, else the door source (the door source alone scopes dedup)', async () => {
    expect(await run({ ...track, source: 'olist' }, 'writekey:k1')).toMatchObject({ kind: 'ok', value: { source: 'writekey:k1', label: 'olist' } });
    expect(await run(track, 'writekey:k1')).toMatchObject({ kind: 'ok', value: { source: 'writekey:k1', label: 'writekey:k1' } });
  });

  it('treats a null top-level field as not sent', async () => {
    const r = await run({ ...track, messageId: null, timestamp: null, properties: null, anonymousId: null, channel: null });
    expect(r).toEqual(ok({ payload: { type: 'TRACK', event: 'Order Completed', userId: 'u-1' }, source: '', label: '', receivedAt, raw: expect.any(Object) }));
  });

  it('not_an_object: null, arrays and primitives', async () => {
    for (const raw of [null, undefined, [track], 'track', 42, true]) expect(await run(raw)).toEqual(rejects('not_an_object'));
    expect(await run({ ...track, properties: { big: 10n } })).toEqual(rejects('not_an_object'));
  });

  it('event_too_large: the serialised JSON over the limit, 32 KB by default', async () => {
    // {"type":"track","event":"Order Completed","userId":"u-1","properties":{"s":""}} is 79 bytes.
    const sized = (n: number) => ({ ...track, properties: { s: 'x'.repeat(n) } });
    expect(JSON.stringify(sized(0)).length).toBe(79);
    expect(await run(sized(32 * 1024 - 79))).toMatchObject({ kind: 'ok' });
    expect(await run(sized(32 * 1024 - 78))).toEqual(quarantine('event_too_large', 'event is 32769 bytes, over the 32768-byte limit'));

    step = createValidateEventStep({ maxEventBytes: 100 });
    expect(await run(sized(21))).toMatchObject({ kind: 'ok' });
    expect(await run(sized(22))).toEqual(rejects('event_too_large'));
    // Bytes, not characters: each "é" is two bytes in UTF-8.
    expect(await run({ ...track, properties: { s: 'é'.repeat(11) } })).toEqual(rejects('event_too_large'));
  });

  it('invalid_type: missing or not one of the six', async () => {
    const { type: _type, ...untyped } = track;
    for (const raw of [untyped, { ...track, type: 'click' }, { ...track, type: 7 }, { ...track, type: '' }]) {
      expect(await run(raw)).toEqual(rejects('invalid_type'));
    }
  });

  it('missing_event_name: a track without a non-empty event', async () => {
    expect(await run({ type: 'track', userId: 'u-1' })).toEqual(rejects('missing_event_name'));
    expect(await run({ ...track, event: '   ' })).toEqual(rejects('missing_event_name'));
    expect(await run({ type: 'page', userId: 'u-1' })).toMatchObject({ kind: 'ok' });
  });

  it('invalid_event_name: longer than 200 characters or not a string', async () => {
    expect(await run({ ...track, event: 'e'.repeat(200) })).toMatchObject({ kind: 'ok' });
    expect(await run({ ...track, event: 'e'.repeat(201) })).toEqual(rejects('invalid_event_name'));
    expect(await run({ ...track, event: 5 })).toEqual(rejects('invalid_event_name'));
    expect(await run({ type: 'page', name: 'n'.repeat(201), userId: 'u-1' })).toEqual(rejects('invalid_event_name'));
  });

  it('group calls: missing_group_id, invalid_group_id, traits_too_large; traits not an object is invalid_properties', async () => {
    const group = { type: 'group', userId: 'u-1', groupId: 'acme', traits: { plan: 'pro' } };
    expect(await run(group)).toMatchObject({ kind: 'ok' });
    expect(await run({ ...group, groupId: 42 })).toMatchObject({ kind: 'ok', value: { payload: { groupId: '42' } } });
    for (const groupId of [undefined, '', '   ', null]) expect(await run({ ...group, groupId })).toEqual(rejects('missing_group_id'));
    expect(await run({ ...group, groupId: 'g'.repeat(257) })).toEqual(rejects('invalid_group_id'));
    expect(await run({ ...group, groupId: 'g'.repeat(256) })).toMatchObject({ kind: 'ok' });
    expect(await run({ ...group, traits: { blob: 'x'.repeat(17 * 1024) } })).toEqual(rejects('traits_too_large'));
    for (const traits of [[], 'x', 3]) expect(await run({ ...group, traits })).toEqual(rejects('invalid_properties'));
  });

  it('missing_identity: nobody named at all', async () => {
    expect(await run({ type: 'track', event: 'X' })).toEqual(rejects('missing_identity'));
    expect(await run({ type: 'track', event: 'X', userId: '  ', anonymousId: '' })).toEqual(rejects('missing_identity'));
    // group traits describe the account, not the person
    expect(await run({ type: 'group', groupId: 'g-1', traits: { email: 'team@acme.com' } })).toEqual(rejects('missing_identity'));
    expect(await run({ type: 'track', event: 'X', identities: [] })).toEqual(rejects('missing_identity'));
  });

  it('counts every place an identity can come from', async () => {
    const named = [
      { type: 'track', event: 'X', anonymousId: 'a-1' },
      { type: 'alias', previousId: 'old-1' },
      { type: 'identify', traits: { email: 'a@b.co' } },
      { type: 'identify', traits: { phone: 13800138000 } },
      { type: 'track', event: 'X', context: { traits: { email: 'a@b.co' } } },
      { type: 'track', event: 'X', context: { device: { id: 'd-1' } } },
      { type: 'track', event: 'X', identities: [{ type: 'WECHAT_OPEN_ID', value: 'oW1' }] },
    ];
    for (const raw of named) expect(await run(raw)).toMatchObject({ kind: 'ok' });
  });

  it('invalid_identity: ids that are not strings or numbers, malformed identities', async () => {
    expect(await run({ ...track, userId: { id: 1 } })).toEqual(rejects('invalid_identity'));
    expect(await run({ ...track, anonymousId: ['a'] })).toEqual(rejects('invalid_identity'));
    expect(await run({ ...track, identities: [{ type: 'FAX', value: '1' }] })).toEqual(rejects('invalid_identity'));
    expect(await run({ ...track, identities: [{ type: 'EMAIL' }] })).toEqual(rejects('invalid_identity'));
    expect(await run({ ...track, identities: { type: 'EMAIL', value: 'a@b.co' } })).toEqual(rejects('invalid_identity'));
  });

  it('unsafe_numeric_id: a numeric id that is not a safe integer (past 2^53 - 1, or not whole)', async () => {
    // 2^53 = 9007199254740992 is the first integer a double cannot tell from its neighbour (…993 parses to it).
    const unsafe = [2 ** 53, JSON.parse('9007199254740993') as number, 1e21, -(2 ** 53), 1.5];
    for (const field of ['userId', 'anonymousId', 'previousId', 'groupId']) {
      for (const value of unsafe) expect(await run({ ...track, [field]: value })).toEqual(rejects('unsafe_numeric_id'));
    }
    // The largest safe integer is still an id, written in full.
    expect(await run({ ...track, userId: 2 ** 53 - 1 })).toMatchObject({ kind: 'ok', value: { payload: { userId: '9007199254740991' } } });
    expect(await run({ ...track, userId: '9007199254740993' })).toMatchObject({ kind: 'ok', value: { payload: { userId: '9007199254740993' } } });
  });

  it('unstorable_text: U+0000 or an unpaired surrogate in a value or a key (docs/ingestion.md)', async () => {
    expect(await run({ ...track, properties: { note: 'a\u0000b' } })).toEqual(rejects('unstorable_text'));
    expect(await run({ ...track, properties: { note: 'x\ud800' } })).toEqual(rejects('unstorable_text'));
    expect(await run({ ...track, context: { ['k\udc00']: 1 } })).toEqual(rejects('unstorable_text'));
    // A surrogate pair (an emoji) is storable text.
    expect(await run({ ...track, properties: { note: '\ud83d\ude00' } })).toMatchObject({ kind: 'ok' });
  });

  it('invalid_message_id: present but empty, too long or not a string', async () => {
    expect(await run({ ...track, messageId: 'm'.repeat(256) })).toMatchObject({ kind: 'ok' });
    for (const messageId of ['', '   ', 'm'.repeat(257), 42, { id: 'm' }]) {
      expect(await run({ ...track, messageId })).toEqual(rejects('invalid_message_id'));
    }
  });

  it('parses ISO 8601 and epoch milliseconds (number or numeric string) into dates', async () => {
    const at = new Date('2024-05-01T11:58:00.000Z');
    for (const timestamp of ['2024-05-01T11:58:00Z', '2024-05-01T19:58:00+08:00', '2024-05-01T06:58-0500', '2024-05-01T11:58:00.000', 1714564680000, '1714564680000']) {
      expect(await run({ ...track, timestamp })).toMatchObject({ kind: 'ok', value: { payload: { timestamp: at } } });
    }
    expect(await run({ ...track, originalTimestamp: '2024-05-01' })).toMatchObject({
      kind: 'ok',
      value: { payload: { originalTimestamp: new Date('2024-05-01T00:00:00.000Z') } },
    });
  });

  it('invalid_timestamp: any of timestamp, sentAt, originalTimestamp unreadable', async () => {
    const bad = ['yesterday', '2024-02-30T00:00:00Z', '2024-05-01T25:00:00Z', '05/01/2024', '2024-05-01T11:58:00+25:00', true, {}, 8.64e15 + 1];
    for (const field of ['timestamp', 'sentAt', 'originalTimestamp']) {
      for (const value of bad) expect(await run({ ...track, [field]: value })).toEqual(rejects('invalid_timestamp'));
    }
  });

  it('invalid_properties: properties, traits or context not a JSON object', async () => {
    for (const field of ['properties', 'traits', 'context', 'integrations']) {
      for (const value of [[], 'x', 3]) expect(await run({ ...track, [field]: value })).toEqual(rejects('invalid_properties'));
    }
  });

  it('invalid_channel: not one of ours, at the top or in context', async () => {
    expect(await run({ ...track, channel: 'tv' })).toEqual(rejects('invalid_channel'));
    expect(await run({ ...track, channel: 3 })).toEqual(rejects('invalid_channel'));
    expect(await run({ ...track, context: { channel: 'fax' } })).toEqual(rejects('invalid_channel'));
    expect(await run({ ...track, channel: ' Call_Center ' })).toMatchObject({ kind: 'ok', value: { payload: { channel: 'CALL_CENTER' } } });
  });

  it('invalid_revenue: not a finite number or numeric string, wherever revenue is read from', async () => {
    for (const revenue of ['abc', '', Infinity, Number.NaN, {}, 1e16]) {
      expect(await run({ ...track, revenue })).toEqual(rejects('invalid_revenue'));
    }
    expect(await run({ ...track, properties: { revenue: 'free' } })).toEqual(rejects('invalid_revenue'));
    expect(await run({ ...track, properties: { total: [1] } })).toEqual(rejects('invalid_revenue'));
    expect(await run({ ...track, revenue: ' -3.5e2 ' })).toMatchObject({ kind: 'ok', value: { payload: { revenue: -350 } } });
  });

  it('prototype_key: __proto__, constructor or prototype as an own key anywhere', async () => {
    const payloads = [
      '{"type":"track","event":"X","userId":"u","__proto__":{"admin":true}}',
      '{"type":"track","event":"X","userId":"u","properties":{"items":[{"constructor":{"prototype":1}}]}}',
      '{"type":"track","event":"X","userId":"u","context":{"traits":{"prototype":"x"}}}',
    ];
    const paths = ['__proto__', 'properties.items.0.constructor', 'context.traits.prototype'];
    for (const [i, json] of payloads.entries()) {
      expect(await run(JSON.parse(json))).toEqual(quarantine('prototype_key', `key "${paths[i]}" is not allowed`));
    }
    // a value that merely says "constructor" is fine
    expect(await run({ ...track, properties: { role: 'constructor' } })).toMatchObject({ kind: 'ok' });
  });

  it('too_deep: nesting past 32 levels, counting the event itself as 1', async () => {
    expect(await run(nestedTo(32))).toMatchObject({ kind: 'ok' });
    expect(await run(nestedTo(33))).toEqual(rejects('too_deep'));
    const cyclic: Record<string, unknown> = { ...track, properties: {} };
    (cyclic.properties as Record<string, unknown>).self = cyclic;
    expect(await run(cyclic)).toEqual(rejects('too_deep'));
  });
});
