/**
 * `x NOT IN (SELECT … FROM target)` is planned as a hashed subplan only while the planner expects the
 * target to fit in hash_mem (work_mem × hash_mem_multiplier, 8 MB by default, about 170,000 uuids).
 * Beyond that it re-scans the target for every row: a full recompute of a segment with 500,000
 * members ran 847 s at the bench's large scale and was refused at commit. Full recomputes raise the
 * multiplier for their transaction, so targets of a few million ids stay hashed; the table only takes
 * the memory its rows need. (A target past that would need a temporary table with a key instead.)
 */
import type { Db } from './client.ts';

const LARGE_SET_HASH_MEM_MULTIPLIER = 64;

export async function hashLargeSets(tx: Db): Promise<void> {
  await tx.$executeRawUnsafe(`SET LOCAL hash_mem_multiplier = ${LARGE_SET_HASH_MEM_MULTIPLIER}`);
}
