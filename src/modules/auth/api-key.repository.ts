/** All SQL for API keys. Keys are stored only as a sha256 hash plus a short prefix for listings. */
import type { Db } from '../../db/client.ts';
import type { ApiKeyRole } from '../../generated/prisma/enums.ts';

export interface ApiKeyRecord {
  id: string;
  name: string;
  prefix: string;
  role: ApiKeyRole;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

const columns = { id: true, name: true, prefix: true, role: true, createdAt: true, lastUsedAt: true, revokedAt: true } as const;

export const apiKeyRepository = {
  async insert(db: Db, row: { name: string; prefix: string; hash: string; role: ApiKeyRole }): Promise<ApiKeyRecord> {
    return db.apiKey.create({ data: row, select: columns });
  },

  /**
   * The live (not revoked) key with this hash, marking it used in the same statement; null when the
   * hash is unknown or the key was revoked.
   */
  async useByHash(db: Db, hash: string, at: Date): Promise<Pick<ApiKeyRecord, 'id' | 'name' | 'role'> | null> {
    const rows = await db.$queryRaw<Pick<ApiKeyRecord, 'id' | 'name' | 'role'>[]>`
      UPDATE api_key SET last_used_at = ${at}
      WHERE hash = ${hash} AND revoked_at IS NULL
      RETURNING id::text AS id, name, role::text AS role`;
    return rows[0] ?? null;
  },

  /** True when a live key was revoked; false when the id is unknown or already revoked. */
  async revoke(db: Db, id: string, at: Date): Promise<boolean> {
    const r = await db.apiKey.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: at } });
    return r.count > 0;
  },

  async byId(db: Db, id: string): Promise<ApiKeyRecord | null> {
    return db.apiKey.findUnique({ where: { id }, select: columns });
  },

  async list(db: Db): Promise<ApiKeyRecord[]> {
    return db.apiKey.findMany({ select: columns, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
  },
};
