import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env.ts';
import { monthsBetween, monthStart, parseMonth, partitionName, retentionCutoff } from '../../src/modules/system/partition.months.ts';

const d = (s: string) => new Date(s);

describe('partition months', () => {
  it('are UTC calendar months', () => {
    expect(monthStart(d('2026-03-31T23:30:00-01:00'))).toEqual(d('2026-04-01T00:00:00Z'));
    expect(monthStart(d('2026-01-01T00:00:00Z'))).toEqual(d('2026-01-01T00:00:00Z'));
    expect(partitionName('touchpoint', d('2026-11-15T00:00:00Z'))).toBe('touchpoint_p2026_11');
    expect(monthsBetween(d('2025-11-20T00:00:00Z'), d('2026-02-01T00:00:00Z')).map((m) => m.toISOString().slice(0, 7))).toEqual(['2025-11', '2025-12', '2026-01', '2026-02']);
  });

  it('keep the current month and n before it', () => {
    expect(retentionCutoff(d('2026-08-15T00:00:00Z'), 3)).toEqual(d('2026-05-01T00:00:00Z'));
    expect(retentionCutoff(d('2026-02-28T00:00:00Z'), 14)).toEqual(d('2024-12-01T00:00:00Z'));
  });

  it('read YYYY-MM and nothing else', () => {
    expect(parseMonth('2024-01')).toEqual(d('2024-01-01T00:00:00Z'));
    for (const bad of ['2024-13', '2024-00', '2024-1', '24-01', '2024-01-01', '']) expect(parseMonth(bad), bad).toBeNull();
  });
});

describe('partition settings', () => {
  it('keep everything unless a table has a retention of at least one month', () => {
    expect(loadConfig({}).partitions).toEqual({ monthsAhead: 3, maintainMs: 86_400_000, retentionMonths: { touchpoint: null, audit_log: null, failed_event: null } });
    const c = loadConfig({ TOUCHPOINT_RETENTION_MONTHS: '13', AUDIT_RETENTION_MONTHS: '', FAILED_EVENT_RETENTION_MONTHS: '2', PARTITION_MONTHS_AHEAD: '0' });
    expect(c.partitions.retentionMonths).toEqual({ touchpoint: 13, audit_log: null, failed_event: 2 });
    expect(c.partitions.monthsAhead).toBe(0);
    expect(() => loadConfig({ TOUCHPOINT_RETENTION_MONTHS: '0' })).toThrow(/TOUCHPOINT_RETENTION_MONTHS/);
    expect(() => loadConfig({ PARTITION_MONTHS_AHEAD: '1.5' })).toThrow(/PARTITION_MONTHS_AHEAD/);
  });
});
