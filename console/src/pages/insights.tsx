/** Insights: a funnel with drop-off and a trend with the previous period, each with the query behind it. */
import { useEffect, useState } from 'preact/hooks';
import { EventNamesDocument, FunnelChartDocument, TrendChartDocument, type FunnelChartQuery, type TrendChartQuery } from '../generated/graphql.ts';
import { gql } from '../lib/api.ts';
import type { Session } from '../lib/session.ts';
import { Chart, QueryShown } from '../lib/chart-card.tsx';
import { CohortCards } from './insights-cohorts.tsx';
import { MarketingCards } from './insights-marketing.tsx';

const DAY = 86_400_000;
const isoDay = (t: number) => new Date(t).toISOString().slice(0, 10);

function Funnel({ session, scope, names }: { session: Session; scope: { from: string; to: string }; names: string[] }) {
  const [steps, setSteps] = useState('Page Viewed, Product Added, Order Completed');
  const [windowHours, setWindowHours] = useState('168');
  const [result, setResult] = useState<FunnelChartQuery['funnel'] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const variables = { scope, steps: steps.split(',').map((s) => ({ event: s.trim() })).filter((s) => s.event), windowHours: Number(windowHours) };
  const run = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      setResult((await gql(session.key, FunnelChartDocument, variables)).funnel);
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <section aria-labelledby="h-funnel" class="card wide">
      <h2 id="h-funnel">Funnel</h2>
      <form onSubmit={run} class="filters">
        <label>
          Steps, in order <input name="steps" list="event-names" size={50} value={steps} onInput={(e) => setSteps(e.currentTarget.value)} />
        </label>
        <label>
          Window (hours) <input name="window" type="number" min="1" value={windowHours} onInput={(e) => setWindowHours(e.currentTarget.value)} />
        </label>
        <button type="submit">Show funnel</button>
      </form>
      <datalist id="event-names">
        {names.map((n) => (
          <option key={n} value={n} />
        ))}
      </datalist>
      {error && <p role="alert" class="error">{error}</p>}
      {result && (
        <>
          <Chart
            label="Funnel chart; the table below holds the same figures"
            option={{
              tooltip: { trigger: 'item' },
              series: [{ type: 'funnel', sort: 'none', gap: 2, label: { formatter: '{b}: {c}' }, data: result.steps.map((s) => ({ name: `${s.index}. ${s.event}`, value: s.count })) }],
            }}
          />
          <table data-testid="funnel-table">
            <thead>
              <tr>
                <th scope="col">Step</th>
                <th scope="col">People</th>
                <th scope="col">Dropped</th>
                <th scope="col">Drop-off</th>
              </tr>
            </thead>
            <tbody>
              {result.steps.map((s) => (
                <tr key={s.index} data-step={s.index}>
                  <td>{s.event}</td>
                  <td data-testid="funnel-count">{s.count}</td>
                  <td>{s.dropOff}</td>
                  <td>{s.dropOffRate == null ? '—' : `${(s.dropOffRate * 100).toFixed(1)} %`}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {result.largestDropOff && (
            <p>
              Largest drop-off: before step {result.largestDropOff.step} ({result.largestDropOff.event}), {(result.largestDropOff.dropOffRate * 100).toFixed(1)} %.
            </p>
          )}
        </>
      )}
      <QueryShown query={FunnelChartDocument.toString()} variables={variables} />
    </section>
  );
}

function Trend({ session, scope }: { session: Session; scope: { from: string; to: string } }) {
  const [event, setEvent] = useState('Order Completed');
  const [result, setResult] = useState<TrendChartQuery['trends'] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const variables = { scope, series: [{ event, label: event }], interval: 'DAY' as const };
  const run = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      setResult((await gql(session.key, TrendChartDocument, variables)).trends);
    } catch (err) {
      setError((err as Error).message);
    }
  };
  const current = result?.series[0];
  const previous = result?.previous?.[0];
  return (
    <section aria-labelledby="h-trend" class="card wide">
      <h2 id="h-trend">Trend</h2>
      <form onSubmit={run} class="filters">
        <label>
          Event <input name="event" list="event-names" value={event} onInput={(e) => setEvent(e.currentTarget.value)} />
        </label>
        <button type="submit">Show trend</button>
      </form>
      {error && <p role="alert" class="error">{error}</p>}
      {current && (
        <Chart
          label={`Daily count of ${event}, with the previous period`}
          option={{
            tooltip: { trigger: 'axis' },
            legend: {},
            xAxis: { type: 'category', data: current.points.map((p) => p.at.slice(0, 10)) },
            yAxis: { type: 'value' },
            series: [
              { type: 'line', name: 'this period', data: current.points.map((p) => p.value) },
              ...(previous ? [{ type: 'line', name: 'previous period', lineStyle: { type: 'dashed' }, data: previous.points.map((p) => p.value) }] : []),
            ],
          }}
        />
      )}
      <QueryShown query={TrendChartDocument.toString()} variables={variables} />
    </section>
  );
}

export function InsightsPage({ session }: { session: Session }) {
  const [from, setFrom] = useState(isoDay(Date.now() - 90 * DAY));
  const [to, setTo] = useState(isoDay(Date.now() + DAY));
  const [names, setNames] = useState<string[]>([]);
  const scope = { from: `${from}T00:00:00.000Z`, to: `${to}T00:00:00.000Z` };
  useEffect(() => {
    gql(session.key, EventNamesDocument, { scope }).then((d) => setNames(d.events.events.map((e) => e.name)), () => {});
  }, [session.key, from, to]);
  return (
    <>
      <h1>Insights</h1>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          From <input name="from" type="date" value={from} onChange={(e) => setFrom(e.currentTarget.value)} />
        </label>
        <label>
          To (exclusive) <input name="to" type="date" value={to} onChange={(e) => setTo(e.currentTarget.value)} />
        </label>
      </form>
      <div class="grid">
        <Funnel session={session} scope={scope} names={names} />
        <Trend session={session} scope={scope} />
        <CohortCards session={session} scope={scope} />
        <MarketingCards session={session} scope={scope} />
      </div>
    </>
  );
}
