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

  /** The live (not revoked) key with this hash; null when the hash is unknown or the key was revoked. Reads only. */
  async findLiveByHash(db: Db, hash: string): Promise<Pick<ApiKeyRecord, 'id' | 'name' | 'role'> | null> {
    return db.apiKey.findFirst({ where: { hash, revokedAt: null }, select: { id: true, name: true, role: true } });
  },

  async markUsed(db: Db, id: string, at: Date): Promise<void> {
    await db.apiKey.updateMany({ where: { id, revokedAt: null }, data: { lastUsedAt: at } });
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
