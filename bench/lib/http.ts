/** A bounded set of POSTs sent with a fixed number in flight, timed from the first send to the last answer. */
export interface PostResult<T> {
  seconds: number;
  bodies: T[];
}

export async function postAll<T>(
  url: string,
  bodies: string[],
  opts: { concurrency: number; headers?: Record<string, string>; check?: (status: number, body: T) => string | null },
): Promise<PostResult<T>> {
  const out: T[] = new Array(bodies.length);
  let next = 0;
  const worker = async () => {
    while (next < bodies.length) {
      const i = next++;
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...opts.headers }, body: bodies[i] });
      const text = await res.text();
      let body: T;
      try {
        body = JSON.parse(text) as T;
      } catch {
        throw new Error(`POST ${url} → ${res.status}: ${text.slice(0, 300)}`);
      }
      const problem = opts.check?.(res.status, body) ?? (res.ok ? null : `status ${res.status}`);
      if (problem) throw new Error(`POST ${url} → ${problem}: ${text.slice(0, 300)}`);
      out[i] = body;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: Math.min(opts.concurrency, bodies.length) }, worker));
  return { seconds: (performance.now() - started) / 1000, bodies: out };
}

export const basicAuth = (key: string) => ({ authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` });

export function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
