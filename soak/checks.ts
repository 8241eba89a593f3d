/** Reading the soak's schema back and the arithmetic of its checks. */
import pg from 'pg';

export async function withClient<T>(url: string, schema: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(`SET search_path TO "${schema}"`);
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** Per messageId of the soak, how many touchpoint and touchpoint_dedup rows hold it. */
export async function storedCounts(c: pg.Client) {
  const tally = async (table: string) => {
    const { rows } = await c.query<{ message_id: string; n: number }>(`SELECT message_id, count(*)::int AS n FROM ${table} WHERE message_id LIKE 'soak-%' GROUP BY message_id`);
    return new Map(rows.map((r) => [r.message_id, Number(r.n)]));
  };
  return { touchpoint: await tally('touchpoint'), dedup: await tally('touchpoint_dedup') };
}

/** Every outbox row, as seq lists per segment in seq order. */
export async function outboxBySegment(c: pg.Client): Promise<Map<string, number[]>> {
  const { rows } = await c.query<{ segment_id: string; seq: string }>('SELECT segment_id, seq::text AS seq FROM membership_change ORDER BY membership_change.seq');
  const by = new Map<string, number[]>();
  for (const r of rows) {
    const list = by.get(r.segment_id) ?? [];
    list.push(Number(r.seq));
    by.set(r.segment_id, list);
  }
  return by;
}

/** Least-squares slope of y over x: the bench's, one definition for both. */
export { slope } from '../bench/lib/rss.ts';

export const sameList = (a: number[], b: number[]) => a.length === b.length && a.every((x, i) => x === b[i]);
