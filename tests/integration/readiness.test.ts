/**
 * /healthz (liveness) and /readyz (readiness for an orchestrator's rotation): once the process begins
 * to stop, /readyz answers 503 for SHUTDOWN_UNREADY_MS while the port still serves, so a balancer takes
 * the process out of rotation before it stops accepting.
 */
import { describe, expect, it } from 'vitest';
import { dbKinds } from '../helpers/databases.ts';
import { startTestServer } from '../helpers/server.ts';

// Long enough that the four probes below (a few ms each) run inside it on a slow machine; each test
// waits it out once.
const UNREADY_MS = 3_000;

describe.each(dbKinds)('readiness (%s)', (kind) => {
  it('is ready while serving, and not ready (but alive and serving) once stopping', async () => {
    const t = await startTestServer(kind, { shutdownUnreadyMs: UNREADY_MS });
    const probe = async (path: string) => {
      const r = await fetch(`${t.baseUrl}${path}`);
      return { status: r.status, body: (await r.json()) as { status: string } };
    };
    try {
      expect(await probe('/readyz')).toEqual({ status: 200, body: { status: 'ready', database: 'up' } });
      const stopped = t.server.stop();
      expect(await probe('/readyz')).toEqual({ status: 503, body: { status: 'draining' } });
      expect((await probe('/healthz')).status).toBe(200);
      expect((await t.gql('{ version }')).data).toEqual({ version: expect.any(String) });
      await stopped;
    } finally {
      await t.stop();
    }
  });
});
