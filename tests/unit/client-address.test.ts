import { describe, expect, it } from 'vitest';
import { clientAddressKey } from '../../src/http/client-address.ts';

describe('clientAddressKey', () => {
  it('an IPv4 peer is itself, written plainly or IPv4-mapped', () => {
    expect(clientAddressKey('203.0.113.7')).toBe('203.0.113.7');
    expect(clientAddressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(clientAddressKey('::FFFF:203.0.113.7')).toBe('203.0.113.7');
  });

  it('an IPv6 peer counts as its /64: one host holds a whole /64 and can rotate through it', () => {
    const key = '2001:db8:1:2::/64';
    for (const a of ['2001:db8:1:2::1', '2001:0db8:0001:0002:ffff:ffff:ffff:ffff', '2001:db8:1:2:a:b:c:d', '2001:db8:1:2::1%eth0']) expect(clientAddressKey(a), a).toBe(key);
    expect(clientAddressKey('2001:db8:1:3::1')).toBe('2001:db8:1:3::/64');
    expect(clientAddressKey('::1')).toBe('0:0:0:0::/64');
    expect(clientAddressKey('2001:db8::')).toBe('2001:db8:0:0::/64');
    expect(clientAddressKey('::')).toBe('0:0:0:0::/64');
  });

  it('no address (a closed socket) is one bucket of its own', () => {
    expect(clientAddressKey(undefined)).toBe('unknown');
  });
});
