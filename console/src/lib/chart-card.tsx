/** What every Insights card shares: the chart, the query behind it, and running that query. */
import { useEffect, useRef, useState } from 'preact/hooks';
import { draw } from './charts.ts';

export function Chart({ option, label }: { option: unknown; label: string }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => (ref.current ? draw(ref.current, option as never) : undefined), [option]);
  return <div ref={ref} class="chart" role="img" aria-label={label} />;
}

export function QueryShown({ query, variables }: { query: string; variables: unknown }) {
  return (
    <details>
      <summary>The GraphQL query behind this chart</summary>
      <pre>{query}</pre>
      <pre>{JSON.stringify(variables, null, 2)}</pre>
    </details>
  );
}

/** A card's answer, its error, and a submit handler that fetches it. */
export function useRun<T>(fetcher: () => Promise<T>) {
  const [result, setResult] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async (e?: Event) => {
    e?.preventDefault();
    setError(null);
    setBusy(true);
    try {
      setResult(await fetcher());
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return { result, error, busy, run };
}

export type Scope = { from: string; to: string };
export const pct = (x: number | null | undefined) => (x == null ? '—' : `${(x * 100).toFixed(1)} %`);
