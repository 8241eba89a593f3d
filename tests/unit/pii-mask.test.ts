import { describe, expect, it } from 'vitest';
import { isPiiKey, maskEmail, maskIdentity, maskJson, maskPhone, maskText, maskValue } from '../../src/modules/privacy/pii-mask.ts';

const DOT = '•••';

describe('pii-mask', () => {
  it('masks an email to its first letter and domain', () => {
    expect(maskEmail('ada@example.com')).toBe(`a${DOT}@example.com`);
    // Several @: the domain is what follows the last one.
    expect(maskEmail('"a@b"@example.org')).toBe(`"${DOT}@example.org`);
    // No local part or no @ at all: treated as text.
    expect(maskEmail('@example.com')).toBe(`@${DOT}`);
    expect(maskEmail('plainword')).toBe(`p${DOT}`);
  });

  it('masks a phone to its plus and last two digits', () => {
    expect(maskPhone('+33612345678')).toBe(`+${DOT}78`);
    expect(maskPhone('(415) 555-2671')).toBe(`${DOT}71`);
    expect(maskPhone('1234')).toBe(DOT);
    expect(maskPhone('+86 138 0013 8000')).not.toContain('138');
  });

  it('masks text to its first character, by code point', () => {
    expect(maskText('Ada')).toBe(`A${DOT}`);
    expect(maskText('')).toBe('');
    expect(maskText('😀smile')).toBe(`😀${DOT}`);
    expect(maskText('张伟')).toBe(`张${DOT}`);
  });

  it('recognises PII keys whatever their case and separators', () => {
    for (const k of ['email', 'E-Mail', 'mail', 'phone_number', 'Phone Number', 'first_name', 'lastName', 'DOB', 'date.of.birth', 'zip', 'ip_address', 'ssn'])
      expect(isPiiKey(k), k).toBe(true);
    for (const k of ['plan', 'emails_sent', 'country', 'company', 'nickname_color', '__proto__', 'constructor'])
      expect(isPiiKey(k), k).toBe(false);
  });

  it('masks PII-keyed entries in nested objects and arrays, leaving the rest and the input untouched', () => {
    const input = {
      plan: 'pro',
      email: 'ada@example.com',
      mobile: '+447700900123',
      firstName: 'Ada',
      age: 36,
      dob: '1815-12-10',
      zip: 12345,
      address: { street: '1 Main St', city: 'London' },
      contacts: [{ email: 'bob@example.org', role: 'billing' }, { phone: '+15551234567' }, 'free text', 7],
      nested: { deeper: { full_name: 'Ada Lovelace', tags: ['vip'] } },
      nothing: null,
      email_opt_in: true,
    };
    const copy = structuredClone(input);
    const out = maskJson(input) as typeof input;
    expect(input).toEqual(copy); // never mutates
    expect(out).toEqual({
      plan: 'pro',
      email: `a${DOT}@example.com`,
      mobile: `+${DOT}23`,
      firstName: `A${DOT}`,
      age: 36,
      dob: DOT, // a birth date keeps nothing, like Customer.birthday
      zip: DOT,
      address: DOT, // a whole object under a PII key
      contacts: [{ email: `b${DOT}@example.org`, role: 'billing' }, { phone: `+${DOT}67` }, 'free text', 7],
      nested: { deeper: { full_name: `A${DOT}`, tags: ['vip'] } },
      nothing: null,
      email_opt_in: true,
    });
  });

  it('masks strings under keys that only contain a contact word, and email-shaped strings under any key', () => {
    const input = { workEmail: 'ada@corp.example', mobile_phone_2: '+33612345678', birth_place_date: '1815-12-10', contact: 'bob@example.org', cc: ['eve@example.net', 'not an email'], emails_sent: 3, email_opt_in: false, productName: 'Shoes' };
    expect(maskJson(input)).toEqual({
      workEmail: `a${DOT}@corp.example`,
      mobile_phone_2: `+${DOT}78`,
      birth_place_date: DOT,
      contact: `b${DOT}@example.org`,
      cc: [`e${DOT}@example.net`, 'not an email'],
      emails_sent: 3,
      email_opt_in: false,
      productName: 'Shoes',
    });
  });

  it('keeps a "__proto__" key as data: no prototype change, its PII still masked', () => {
    const input = JSON.parse('{"__proto__": {"email": "eve@example.com", "isAdmin": true}, "name": "Eve"}') as Record<string, unknown>;
    const out = maskJson(input) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect((out as { isAdmin?: unknown }).isAdmin).toBeUndefined();
    expect(Object.keys(out)).toEqual(['__proto__', 'name']);
    const proto = Object.getOwnPropertyDescriptor(out, '__proto__')!.value as Record<string, unknown>;
    expect(proto).toEqual({ email: `e${DOT}@example.com`, isAdmin: true });
    expect(out.name).toBe(`E${DOT}`);
    // And it survives serialisation as the client will see it.
    expect(JSON.parse(JSON.stringify(out))).toEqual(JSON.parse(`{"__proto__": {"email": "e${DOT}@example.com", "isAdmin": true}, "name": "E${DOT}"}`));
    // Nested too, inside an array.
    const nested = maskJson([JSON.parse('{"__proto__": {"polluted": 1}}')]) as Record<string, unknown>[];
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(nested[0])).toBe(Object.prototype);
  });

  it('masks identity values by type, and anything email-shaped whatever its type', () => {
    expect(maskIdentity('EMAIL', 'ada@example.com')).toBe(`a${DOT}@example.com`);
    expect(maskIdentity('PHONE', '+33612345678')).toBe(`+${DOT}78`);
    expect(maskIdentity('USER_ID', 'u-42')).toBe('u-42');
    expect(maskIdentity('CRM_ID', 'ada@example.com')).toBe(`a${DOT}@example.com`);
  });

  it('maskValue by kind; null and undefined pass through', () => {
    expect(maskValue('email', 'ada@example.com')).toBe(`a${DOT}@example.com`);
    expect(maskValue('phone', '+33612345678')).toBe(`+${DOT}78`);
    expect(maskValue('name', 'Lovelace')).toBe(`L${DOT}`);
    expect(maskValue('date', '1815-12-10')).toBe(DOT);
    expect(maskValue('json', { email: 'x@y.z', plan: 'pro' })).toEqual({ email: `x${DOT}@y.z`, plan: 'pro' });
    for (const k of ['email', 'phone', 'name', 'date', 'json'] as const) {
      expect(maskValue(k, null)).toBeNull();
      expect(maskValue(k, undefined)).toBeUndefined();
    }
  });
});
