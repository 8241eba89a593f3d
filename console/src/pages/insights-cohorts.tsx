/** Insights about people over time: the retention heat map, paths as a Sankey, the RFM grid. */
import { useState } from 'preact/hooks';
import { PathsChartDocument, RetentionChartDocument, RfmGridDocument, type CohortPeriod, type PathsChartQuery, type RfmGridQuery } from '../generated/graphql.ts';
import { gql } from '../lib/api.ts';
import { Chart, pct, QueryShown, useRun, type Scope } from '../lib/chart-card.tsx';
import type { Session } from '../lib/session.ts';

function Retention({ session, scope }: { session: Session; scope: Scope }) {
  const [startEvent, setStart] = useState('Page Viewed');
  const [returnEvent, setReturn] = useState('Order Completed');
  const [cohortPeriod, setPeriod] = useState<CohortPeriod>('WEEK');
  const variables = { scope, startEvent, returnEvent, cohortPeriod, periods: 8 };
  const { result, error, run } = useRun(async () => (await gql(session.key, RetentionChartDocument, variables)).retention);
  const cohorts = result?.cohorts ?? [];
  const label = (start: string) => start.slice(0, 10);
  return (
    <section aria-labelledby="h-retention" class="card wide">
      <h2 id="h-retention">Retention</h2>
      <form onSubmit={run} class="filters">
        <label>
          First event <input name="start-event" list="event-names" value={startEvent} onInput={(e) => setStart(e.currentTarget.value)} />
        </label>
        <label>
          Return event <input name="return-event" list="event-names" value={returnEvent} onInput={(e) => setReturn(e.currentTarget.value)} />
        </label>
        <label>
          Cohorts by{' '}
          <select value={cohortPeriod} onChange={(e) => setPeriod(e.currentTarget.value as CohortPeriod)}>
            <option value="DAY">day</option>
            <option value="WEEK">week</option>
            <option value="MONTH">month</option>
          </select>
        </label>
        <button type="submit">Show retention</button>
      </form>
      {error && <p role="alert" class="error">{error}</p>}
      {result && (
        <>
          <Chart
            label="Retention heat map: cohorts down, periods after joining across; the table below holds the same figures"
            option={{
              tooltip: { formatter: (p: { value: [number, number, number] }) => `${(p.value[2] * 100).toFixed(1)} %` },
              grid: { left: 90, right: 20, top: 10, bottom: 60 },
              xAxis: { type: 'category', data: Array.from({ length: variables.periods }, (_, k) => `+${k}`), name: 'periods later', nameLocation: 'center', nameGap: 28 },
              yAxis: { type: 'category', inverse: true, data: cohorts.map((c) => label(c.start)) },
              visualMap: { min: 0, max: 1, calculable: true, orient: 'horizontal', left: 'center', bottom: 0, itemHeight: 80, show: false },
              series: [
                {
                  type: 'heatmap',
                  label: { show: true, formatter: (p: { value: [number, number, number] }) => `${Math.round(p.value[2] * 100)}%` },
                  data: cohorts.flatMap((c, y) => c.rates.flatMap((r, k) => (r == null ? [] : [[k, y, r]]))),
                },
              ],
            }}
          />
          <table data-testid="retention-table">
            <thead>
              <tr>
                <th scope="col">Cohort</th>
                <th scope="col">People</th>
                {Array.from({ length: variables.periods }, (_, k) => (
                  <th key={k} scope="col">
                    +{k}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {cohorts.map((c) => (
                <tr key={c.start}>
                  <th scope="row">{label(c.start)}</th>
                  <td>{c.size}</td>
                  {c.rates.map((r, k) => (
                    <td key={k}>{pct(r)}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      <QueryShown query={RetentionChartDocument.toString()} variables={variables} />
    </section>
  );
}

/** Sankey nodes must not repeat along a path, so each node is an event at a step. */
function sankey(r: PathsChartQuery['paths'], startEvent: string) {
  const links = new Map<string, number>();
  const nodes = new Set<string>([`0. ${startEvent}`]);
  for (const p of r.paths) {
    let from = `0. ${startEvent}`;
    p.events.forEach((ev, i) => {
      const to = `${i + 1}. ${ev}`;
      nodes.add(to);
      links.set(`${from}\u0000${to}`, (links.get(`${from}\u0000${to}`) ?? 0) + p.people);
      from = to;
    });
  }
  return {
    nodes: [...nodes].map((name) => ({ name })),
    links: [...links].map(([k, value]) => {
      const [source, target] = k.split('\u0000');
      return { source, target, value };
    }),
  };
}

function Paths({ session, scope }: { session: Session; scope: Scope }) {
  const [startEvent, setStart] = useState('Page Viewed');
  const variables = { scope, startEvent, depth: 3, limit: 10 };
  const { result, error, run } = useRun(async () => (await gql(session.key, PathsChartDocument, variables)).paths);
  return (
    <section aria-labelledby="h-paths" class="card wide">
      <h2 id="h-paths">Paths</h2>
      <form onSubmit={run} class="filters">
        <label>
          After <input name="path-start" list="event-names" value={startEvent} onInput={(e) => setStart(e.currentTarget.value)} />
        </label>
        <button type="submit">Show paths</button>
      </form>
      {error && <p role="alert" class="error">{error}</p>}
      {result && (
        <>
          {result.paths.some((p) => p.events.length) && (
            <Chart
              label={`Sankey of the next events after ${startEvent}; the table below holds the same figures`}
              option={{ tooltip: { trigger: 'item' }, series: [{ type: 'sankey', emphasis: { focus: 'adjacency' }, nodeAlign: 'left', ...sankey(result, startEvent) }] }}
            />
          )}
          <table data-testid="paths-table">
            <caption>{result.totalPeople} people</caption>
            <thead>
              <tr>
                <th scope="col">Next events</th>
                <th scope="col">People</th>
                <th scope="col">Share</th>
              </tr>
            </thead>
            <tbody>
              {result.paths.map((p) => (
                <tr key={p.events.join('→')}>
                  <td>{p.events.length ? p.events.join(' → ') : '(nothing after)'}</td>
                  <td>{p.people}</td>
                  <td>{pct(p.share)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      <QueryShown query={PathsChartDocument.toString()} variables={variables} />
    </section>
  );
}

/** The tier of each (R, F) cell, as the server's grid (src/modules/analytics/rfm.grid.ts) places them. */
function tierOf(r: number, f: number): string {
  if (r >= 4 && f >= 4) return 'Champions';
  if (r >= 3 && f >= 3) return 'Loyal';
  if (r === 5 && f === 1) return 'New';
  if (r >= 4) return 'Potential';
  if (f >= 3) return 'At risk';
  if (r >= 2) return 'Hibernating';
  return 'Lost';
}

/** Customers are paged through (100 a call) to count the cells; the tier sizes come from the server for everyone. */
const RFM_PAGES = 20;

function Rfm({ session }: { session: Session }) {
  const asOf = new Date().toISOString();
  const [partial, setPartial] = useState(false);
  const { result, error, run } = useRun(async () => {
    const cells = Array.from({ length: 5 }, () => [0, 0, 0, 0, 0]);
    let after: string | null | undefined;
    let first: RfmGridQuery['rfm'] | null = null;
    for (let page = 0; page < RFM_PAGES; page++) {
      const r = (await gql(session.key, RfmGridDocument, { asOf, after })).rfm;
      first ??= r;
      for (const { node } of r.edges) cells[node.r - 1]![node.f - 1]!++;
      after = r.pageInfo.endCursor;
      if (!r.pageInfo.hasNextPage) {
        setPartial(false);
        return { rfm: first, cells };
      }
    }
    setPartial(true);
    return { rfm: first!, cells };
  });
  return (
    <section aria-labelledby="h-rfm" class="card wide">
      <h2 id="h-rfm">RFM grid</h2>
      <form onSubmit={run} class="filters">
        <button type="submit">Show RFM grid</button>
      </form>
      {error && <p role="alert" class="error">{error}</p>}
      {result && (
        <>
          <Chart
            label="RFM grid: recency score down, frequency score across, customers per cell with its tier; the tables below hold the same figures"
            option={{
              tooltip: { formatter: (p: { value: [number, number, number] }) => `R${5 - p.value[1]} F${p.value[0] + 1}: ${p.value[2]} (${tierOf(5 - p.value[1], p.value[0] + 1)})` },
              grid: { left: 50, right: 20, top: 10, bottom: 40 },
              xAxis: { type: 'category', data: ['F1', 'F2', 'F3', 'F4', 'F5'] },
              yAxis: { type: 'category', data: ['R5', 'R4', 'R3', 'R2', 'R1'] },
              visualMap: { min: 0, max: Math.max(1, ...result.cells.flat()), show: false },
              series: [
                {
                  type: 'heatmap',
                  label: { show: true, formatter: (p: { value: [number, number, number] }) => `${tierOf(5 - p.value[1], p.value[0] + 1)}\n${p.value[2]}` },
                  data: result.cells.flatMap((row, r) => row.map((n, f) => [f, 4 - r, n])),
                },
              ],
            }}
          />
          {partial && <p>The grid counts the first {RFM_PAGES * 100} customers; the tier sizes are of all {result.rfm.customersScored}.</p>}
          <table data-testid="rfm-tiers">
            <caption>{result.rfm.customersScored} customers with orders</caption>
            <thead>
              <tr>
                <th scope="col">Tier</th>
                <th scope="col">Customers</th>
              </tr>
            </thead>
            <tbody>
              {result.rfm.tiers.map((t) => (
                <tr key={t.tier}>
                  <td>{t.tier}</td>
                  <td>{t.customers}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      <QueryShown query={RfmGridDocument.toString()} variables={{ asOf, after: '(each page’s endCursor)' }} />
    </section>
  );
}

export function CohortCards({ session, scope }: { session: Session; scope: Scope }) {
  return (
    <>
      <Retention session={session} scope={scope} />
      <Paths session={session} scope={scope} />
      <Rfm session={session} />
    </>
  );
}
