import { describe, expect, it } from 'vitest';
import { generateDemoData } from '../../src/cli/demo-data.ts';
import { normalizeCustomerRow } from '../../src/modules/customers/customer.normalize.ts';

describe('demo data set', () => {
  const anchor = new Date('2026-11-23T00:00:00Z');
  const data = generateDemoData({ customers: 2000, anchor });

  it('is deterministic', () => {
    expect(generateDemoData({ customers: 2000, anchor })).toEqual(data);
  });

  it('has 2,000 valid customers with identities from at least 6 kinds and touchpoints on many channels', () => {
    expect(data.customers).toHaveLength(2000);
    for (const [i, c] of data.customers.entries()) expect(normalizeCustomerRow(c, i, 'US').ok).toBe(true);
    const identityTypes = new Set(data.customers.flatMap((c) => (c.identities ?? []).map((i) => i.type)));
    expect(identityTypes.size).toBeGreaterThanOrEqual(6);
    const channels = new Set(data.touchpoints.map((t) => t.channel));
    expect(channels.size).toBeGreaterThanOrEqual(6);
    expect(new Set(data.touchpoints.map((t) => t.messageId)).size).toBe(data.touchpoints.length);
    expect(data.touchpoints.every((t) => Date.parse(t.occurredAt) <= anchor.getTime())).toBe(true);
  });
});
