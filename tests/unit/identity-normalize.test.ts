import { describe, expect, it } from 'vitest';
import { normalizeEmail, normalizeIdentity, normalizePhone } from '../../src/modules/identities/identity.normalize.ts';

describe('identity normalisation', () => {
  it('trims and lower-cases emails, and rejects what is not one', () => {
    expect(normalizeEmail('  Foo.Bar@Example.COM ')).toEqual({ ok: true, value: 'foo.bar@example.com' });
    expect(normalizeEmail('foo@')).toMatchObject({ ok: false, code: 'INVALID_EMAIL' });
    expect(normalizeEmail('no at sign')).toMatchObject({ ok: false, code: 'INVALID_EMAIL' });
    expect(normalizeEmail(`${'a'.repeat(300)}@example.com`)).toMatchObject({ ok: false, code: 'VALUE_TOO_LONG' });
  });

  it('turns phones into E.164 using the default region for local numbers', () => {
    expect(normalizePhone('(415) 555-2671', 'US')).toEqual({ ok: true, value: '+14155552671' });
    expect(normalizePhone('+1 415 555 2671', 'CN')).toEqual({ ok: true, value: '+14155552671' });
    expect(normalizePhone('138 0013 8000', 'CN')).toEqual({ ok: true, value: '+8613800138000' });
    expect(normalizePhone('+86 138-0013-8000', 'US')).toEqual({ ok: true, value: '+8613800138000' });
    expect(normalizePhone('020 7946 0018', 'GB')).toEqual({ ok: true, value: '+442079460018' });
    expect(normalizePhone('12', 'US')).toMatchObject({ ok: false, code: 'INVALID_PHONE' });
    expect(normalizePhone('call me', 'US')).toMatchObject({ ok: false, code: 'INVALID_PHONE' });
  });

  it('trims other identities and refuses empty ones', () => {
    expect(normalizeIdentity('USER_ID', '  u-1 ', 'US')).toEqual({ ok: true, value: 'u-1' });
    expect(normalizeIdentity('WECHAT_OPEN_ID', 'oWx', 'US')).toEqual({ ok: true, value: 'oWx' });
    expect(normalizeIdentity('DEVICE_ID', '   ', 'US')).toMatchObject({ ok: false, code: 'INVALID_IDENTITY' });
    expect(normalizeIdentity('EMAIL', 'X@Y.CO', 'US')).toEqual({ ok: true, value: 'x@y.co' });
  });
});
