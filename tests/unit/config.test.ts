import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/env.ts';

describe('loadConfig', () => {
  it('defaults to the embedded database on port 4000', () => {
    const c = loadConfig({});
    expect(c.port).toBe(4000);
    expect(c.database).toMatchObject({ kind: 'pglite' });
    expect(c.database.kind === 'pglite' && c.database.dataDir).toMatch(/\.cdp\/data$/);
    expect(c.defaultPhoneRegion).toBe('US');
    expect(c.production).toBe(false);
  });

  it('reads the Postgres schema from the URL', () => {
    const c = loadConfig({ DATABASE_URL: 'postgresql://u@h:5432/db?schema=tenant_a', NODE_ENV: 'production' });
    expect(c.database).toEqual({ kind: 'postgres', url: 'postgresql://u@h:5432/db', schema: 'tenant_a' });
    expect(c.production).toBe(true);
  });

  it('reports every bad setting at once', () => {
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', DEFAULT_PHONE_REGION: 'usa' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const msg = (err as Error).message;
      expect(msg).toContain('PORT');
      expect(msg).toContain('DATABASE_URL');
      expect(msg).toContain('DEFAULT_PHONE_REGION');
    }
  });
});

describe('HTTP timeouts', () => {
  it('reads keep-alive and header timeouts, and refuses header timeouts not above keep-alive', () => {
    expect(loadConfig({ HTTP_KEEP_ALIVE_TIMEOUT_MS: '90000', HTTP_HEADERS_TIMEOUT_MS: '95000' }).http).toEqual({ keepAliveTimeoutMs: 90_000, headersTimeoutMs: 95_000 });
    expect(() => loadConfig({ HTTP_KEEP_ALIVE_TIMEOUT_MS: '90000', HTTP_HEADERS_TIMEOUT_MS: '90000' })).toThrow(/HTTP_HEADERS_TIMEOUT_MS/);
    expect(() => loadConfig({ HTTP_KEEP_ALIVE_TIMEOUT_MS: 'soon' })).toThrow(/HTTP_KEEP_ALIVE_TIMEOUT_MS/);
  });
});
