/** Insights: a funnel with drop-off and a trend (broken down by one dimension, the total with the previous period), each with the query behind it. */
import { useEffect, useState } from 'preact/hooks';
import { EventNamesDocument, FunnelChartDocument, TrendChartDocument, type BreakdownBy, type FunnelChartQuery, type TrendChartQuery } from '../generated/graphql.ts';
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

/** The dimensions a trend splits by (BreakdownBy); those with a key ask for it. */
const BREAKDOWNS: { by: BreakdownBy; label: string; key?: 'text' | 'attribute' }[] = [
  { by: 'CHANNEL', label: 'channel' },
  { by: 'SOURCE_NAME', label: 'source' },
  { by: 'EVENT_PROPERTY', label: 'event property', key: 'text' },
  { by: 'CONTEXT', label: 'context path', key: 'text' },
  { by: 'SENTIMENT', label: 'sentiment' },
  { by: 'HOUR_OF_DAY', label: 'hour of day (UTC)' },
  { by: 'DAY_OF_WEEK', label: 'day of week (UTC)' },
  { by: 'TRAIT', label: 'person trait', key: 'text' },
  { by: 'ATTRIBUTE', label: 'person attribute', key: 'attribute' },
  { by: 'SEGMENT', label: 'segment' },
  { by: 'ACCOUNT_TRAIT', label: 'account trait', key: 'text' },
];
/** The person attributes a breakdown may read (src/modules/analytics/breakdown.service.ts). */
const ATTRIBUTES = ['country', 'city', 'gender', 'company', 'source', 'rfmTier', 'cluster', 'conversionProbability', 'churnProbability'];

const valueLabel = (s: { other: boolean; breakdownValue?: (string | null)[] | null }) => (s.other ? 'Other' : (s.breakdownValue?.[0] ?? 'None'));

function Trend({ session, scope }: { session: Session; scope: { from: string; to: string } }) {
  const [event, setEvent] = useState('Order Completed');
  const [by, setBy] = useState<BreakdownBy | ''>('');
  const [key, setKey] = useState('');
  const [result, setResult] = useState<{ data: TrendChartQuery; event: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const dim = BREAKDOWNS.find((b) => b.by === by);
  const variables = {
    scope,
    series: [{ event, label: event }],
    interval: 'DAY' as const,
    breakdown: dim ? [{ by: dim.by, key: dim.key ? key || null : null }] : null,
    split: Boolean(dim),
  };
  const run = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      setResult({ data: await gql(session.key, TrendChartDocument, variables), event });
    } catch (err) {
      setError((err as Error).message);
    }
  };
  const current = result?.data.trends.series[0];
  const previous = result?.data.trends.previous?.[0];
  const values = result?.data.byValue?.series ?? [];
  return (
    <section aria-labelledby="h-trend" class="card wide">
      <h2 id="h-trend">Trend</h2>
      <form onSubmit={run} class="filters">
        <label>
          Event <input name="event" list="event-names" value={event} onInput={(e) => setEvent(e.currentTarget.value)} />
        </label>
        <label>
          Break down by{' '}
          <select name="breakdown" value={by} onChange={(e) => (setBy(e.currentTarget.value as BreakdownBy | ''), setKey(''))}>
            <option value="">nothing (total only)</option>
            {BREAKDOWNS.map((b) => (
              <option key={b.by} value={b.by}>
                {b.label}
              </option>
            ))}
          </select>
        </label>
        {dim?.key === 'text' && (
          <label>
            Key <input name="breakdown-key" required value={key} onInput={(e) => setKey(e.currentTarget.value)} />
          </label>
        )}
        {dim?.key === 'attribute' && (
          <label>
            Attribute{' '}
            <select name="breakdown-key" required value={key} onChange={(e) => setKey(e.currentTarget.value)}>
              <option value="">choose…</option>
              {ATTRIBUTES.map((a) => (
                <option key={a}>{a}</option>
              ))}
            </select>
          </label>
        )}
        <button type="submit">Show trend</button>
      </form>
      {error && <p role="alert" class="error">{error}</p>}
      {current && (
        <>
          <Chart
            label={`Daily count of ${result?.event ?? event}${values.length ? `, one line per value (${values.length})` : ''}, with the total's previous period; the table below holds the totals`}
            option={{
              tooltip: { trigger: 'axis' },
              legend: { type: 'scroll' },
              xAxis: { type: 'category', data: current.points.map((p) => p.at.slice(0, 10)) },
              yAxis: { type: 'value' },
              series: [
                { type: 'line', name: 'total, this period', data: current.points.map((p) => p.value) },
                ...(previous ? [{ type: 'line', name: 'total, previous period', lineStyle: { type: 'dashed' }, data: previous.points.map((p) => p.value) }] : []),
                ...values.map((v) => ({ type: 'line', name: valueLabel(v), data: v.points.map((p) => p.value) })),
              ],
            }}
          />
          <table data-testid="trend-table">
            <thead>
              <tr>
                <th scope="col">{dim ? dim.label : 'Series'}</th>
                <th scope="col">This period</th>
              </tr>
            </thead>
            <tbody>
              {values.map((v) => (
                <tr key={valueLabel(v)} data-testid="trend-value-row">
                  <td data-testid="trend-value">{valueLabel(v)}</td>
                  <td data-testid="trend-value-total">{v.total ?? '—'}</td>
                </tr>
              ))}
              <tr>
                <th scope="row">Total</th>
                <td data-testid="trend-total">
                  {current.total ?? '—'}
                  {previous && ` (previous period: ${previous.total ?? '—'})`}
                </td>
              </tr>
            </tbody>
          </table>
        </>
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
