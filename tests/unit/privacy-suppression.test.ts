import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { payloadNeedles } from '../../src/modules/privacy/privacy.service.ts';
import { countByHash, externalIdValue, rowSuppressionKeys, suppressionHash, suppressionKeys } from '../../src/modules/privacy/suppression.ts';

describe('suppression keys', () => {
  it('hashes type and normalised value, never keeping the value', () => {
    expect(suppressionHash('EMAIL', 'ada@example.com')).toBe(createHash('sha256').update('EMAIL:ada@example.com').digest('hex'));
    expect(suppressionHash('EMAIL', 'x')).not.toBe(suppressionHash('USER_ID', 'x'));
  });

  it('keeps only identifying types, once each', () => {
    const keys = suppressionKeys([
      { type: 'EMAIL', value: 'a@b.co' },
      { type: 'EMAIL', value: 'a@b.co' },
      { type: 'ANONYMOUS_ID', value: 'anon' },
      { type: 'DEVICE_ID', value: 'dev' },
      { type: 'COOKIE', value: 'c' },
      { type: 'CUSTOM', value: 'x' },
      { type: 'USER_ID', value: 'u1' },
      { type: 'WECHAT_OPEN_ID', value: 'o1' },
    ]);
    expect(keys.map((k) => k.type)).toEqual(['EMAIL', 'USER_ID', 'WECHAT_OPEN_ID']);
  });

  it('names the field of a CRM row each key came from', () => {
    const keys = rowSuppressionKeys({
      source: 'crm',
      externalId: 'A-1',
      attributes: { email: 'a@b.co', phone: '+14155552671' },
      identities: [
        { type: 'EMAIL', value: 'a@b.co' },
        { type: 'PHONE', value: '+14155552671' },
        { type: 'EMAIL', value: 'other@b.co' },
      ],
    });
    expect(keys.map((k) => [k.type, k.field])).toEqual([['CRM_ID', 'externalId'], ['EMAIL', 'email'], ['PHONE', 'phone'], ['EMAIL', 'identities']]);
    expect(keys[0]!.hash).toBe(suppressionHash('CRM_ID', externalIdValue('crm', 'A-1')));
    // scoped by source: the same record id in another system is someone else
    expect(externalIdValue('crm', 'A-1')).not.toBe(externalIdValue('shop', 'A-1'));
  });

  it('counts each item once per hash', () => {
    const a = suppressionKeys([{ type: 'EMAIL', value: 'a@b.co' }]);
    const b = suppressionKeys([{ type: 'USER_ID', value: 'u' }]);
    expect(countByHash([a, [...a, ...b], a, []])).toEqual(new Map([[a[0]!.hash, 3], [b[0]!.hash, 1]]));
  });
});

describe('payload needles', () => {
  it('prepares emails lower-cased, phones as digits, other ids as they are, and skips blanks', () => {
    const n = payloadNeedles({
      identities: [
        { type: 'EMAIL', value: 'ada@example.com' },
        { type: 'PHONE', value: '+14155552671' },
        { type: 'USER_ID', value: 'u-Ada' },
        { type: 'ANONYMOUS_ID', value: 'anon-1' },
      ],
      customers: [{ source: 'crm', externalId: 'A-1', email: 'Ada@Example.com', phone: null }, { source: '', externalId: null, email: '', phone: '+8613800138000' }],
    });
    expect(n).toEqual({ emails: ['ada@example.com'], phoneDigits: ['14155552671', '8613800138000'], ids: ['u-Ada', 'anon-1', 'A-1'] });
  });
});
