import { describe, expect, it } from 'vitest';
import { rawIdentifiers, rawSuppressible } from '../../src/modules/privacy/raw-identifiers.ts';

describe('identifiers of a payload that failed validation', () => {
  it('reads userId, explicit identities and the email/phone of traits and context.traits', () => {
    const raw = {
      userId: 42,
      identities: [{ type: 'email', value: 'A@Example.com' }, { type: 'WECHAT_OPEN_ID', value: 'ox1' }, 'junk', null],
      traits: { email: 'b@example.com', phone: 4155552671 },
      context: { traits: { email: 'c@example.com' } },
    };
    expect(rawIdentifiers(raw)).toEqual([
      { type: 'USER_ID', value: '42' },
      { type: 'EMAIL', value: 'A@Example.com' },
      { type: 'WECHAT_OPEN_ID', value: 'ox1' },
      { type: 'EMAIL', value: 'b@example.com' },
      { type: 'PHONE', value: '4155552671' },
      { type: 'EMAIL', value: 'c@example.com' },
    ]);
  });

  it('normalises what can be suppressed and ignores what cannot', () => {
    expect(rawSuppressible({ userId: ' u-1 ', anonymousId: 'anon', identities: [{ type: 'DEVICE_ID', value: 'd' }, { type: 'EMAIL', value: ' A@Example.com' }], traits: { phone: '(415) 555-2671' } }, 'US')).toEqual([
      { type: 'USER_ID', value: 'u-1' },
      { type: 'EMAIL', value: 'a@example.com' },
      { type: 'PHONE', value: '+14155552671' },
    ]);
  });

  it('survives any shape', () => {
    for (const raw of [null, 7, 'x', [], { identities: 5 }, { traits: [] }, { context: 'c' }, { userId: { a: 1 } }, { userId: NaN }])
      expect(rawSuppressible(raw, 'US')).toEqual([]);
  });
});
