import { describe, expect, it } from 'vitest';
import { splitTraits } from '../../src/modules/customers/customer.identify.ts';

describe('splitTraits (identify traits → profile fields)', () => {
  it('fills the phone from a numeric phone, as the PHONE identity of the same event reads it', () => {
    // (415) 555-2671 in the US is +14155552671 in E.164; sent as a number, as spreadsheets and CRMs do.
    const { attributes, rest } = splitTraits({ phone: 4155552671, plan: 'pro' }, 'US');
    expect(attributes.phone).toBe('+14155552671');
    expect(rest).toEqual({ plan: 'pro' });
    expect(splitTraits({ phone: 13800138000 }, 'CN').attributes.phone).toBe('+8613800138000');
  });

  it('keeps a numeric phone that is no phone number as the trait it was sent as', () => {
    const { attributes, rest } = splitTraits({ phone: 12, email: 'a@b.co' }, 'US');
    expect(attributes.phone ?? null).toBeNull();
    expect(attributes.email).toBe('a@b.co');
    expect(rest).toEqual({ phone: 12 });
  });
});
