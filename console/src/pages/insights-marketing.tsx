/** Insights about channels: attribution compared across models, and channel performance. */
import { useState } from 'preact/hooks';
import { AttributionChartDocument, ChannelPerformanceTableDocument } from '../generated/graphql.ts';
import { gql } from '../lib/api.ts';
import { Chart, pct, QueryShown, useRun, type Scope } from '../lib/chart-card.tsx';
import type { Session } from '../lib/session.ts';

function Attribution({ session, scope }: { session: Session; scope: Scope }) {
  const [conversionEvent, setEvent] = useState('Order Completed');
  const variables = { scope, conversionEvent };
  const { result, error, run } = useRun(async () => (await gql(session.key, AttributionChartDocument, variables)).attribution);
  const channels = [...new Set(result?.models.flatMap((m) => m.channels.map((c) => c.channel)) ?? [])].sort();
  const credit = (model: string, channel: string) => result?.models.find((m) => m.model === model)?.channels.find((c) => c.channel === channel)?.conversions ?? 0;
  return (
    <section aria-labelledby="h-attribution" class="card wide">
      <h2 id="h-attribution">Attribution across models</h2>
      <form onSubmit={run} class="filters">
        <label>
          Conversion event <input name="attribution-event" list="event-names" value={conversionEvent} onInput={(e) => setEvent(e.currentTarget.value)} />
        </label>
        <button type="submit">Compare models</button>
      </form>
      {error && <p role="alert" class="error">{error}</p>}
      {result && (
        <>
          <Chart
            label="Conversions credited to each channel by each attribution model; the table below holds the same figures"
            option={{
              tooltip: { trigger: 'axis' },
              legend: {},
              grid: { left: 50, right: 20, top: 40, bottom: 30 },
              xAxis: { type: 'category', data: channels },
              yAxis: { type: 'value', name: 'conversions' },
              series: result.models.map((m) => ({ type: 'bar', name: m.model, data: channels.map((c) => credit(m.model, c)) })),
            }}
          />
          <table data-testid="attribution-table">
            <caption>
              {result.conversions} conversions, {result.attributedConversions} with a touch before them; {result.unattributed.conversions} without
            </caption>
            <thead>
              <tr>
                <th scope="col">Channel</th>
                {result.models.map((m) => (
                  <th key={m.model} scope="col">
                    {m.model}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {channels.map((c) => (
                <tr key={c}>
                  <th scope="row">{c}</th>
                  {result.models.map((m) => (
                    <td key={m.model}>{credit(m.model, c).toFixed(2)}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      <QueryShown query={AttributionChartDocument.toString()} variables={variables} />
    </section>
  );
}

function ChannelPerformance({ session, scope }: { session: Session; scope: Scope }) {
  const [conversionEvent, setEvent] = useState('Order Completed');
  const variables = { scope, conversionEvent };
  const { result, error, run } = useRun(async () => (await gql(session.key, ChannelPerformanceTableDocument, variables)).channelPerformance);
  return (
    <section aria-labelledby="h-channels" class="card wide">
      <h2 id="h-channels">Channel performance</h2>
      <form onSubmit={run} class="filters">
        <label>
          Conversion event <input name="channel-event" list="event-names" value={conversionEvent} onInput={(e) => setEvent(e.currentTarget.value)} />
        </label>
        <button type="submit">Show channels</button>
      </form>
      {error && <p role="alert" class="error">{error}</p>}
      {result && (
        <>
          <Chart
            label="Conversion rate per channel; the table below holds the same figures"
            option={{
              tooltip: { trigger: 'axis' },
              grid: { left: 50, right: 20, top: 20, bottom: 30 },
              xAxis: { type: 'category', data: result.channels.map((c) => c.channel) },
              yAxis: { type: 'value', name: 'conversion rate', max: 1 },
              series: [{ type: 'bar', data: result.channels.map((c) => c.conversionRate) }],
            }}
          />
          <table data-testid="channel-table">
            <caption>{result.best ? `Best: ${result.best} (among channels reaching at least ${result.minReached} people)` : `No channel reached ${result.minReached} people`}</caption>
            <thead>
              <tr>
                <th scope="col">Channel</th>
                <th scope="col">Reached</th>
                <th scope="col">Touchpoints</th>
                <th scope="col">Converted</th>
                <th scope="col">Rate</th>
                <th scope="col">Revenue</th>
                <th scope="col">Median hours to convert</th>
              </tr>
            </thead>
            <tbody>
              {result.channels.map((c) => (
                <tr key={c.channel}>
                  <th scope="row">{c.channel}</th>
                  <td>{c.customersReached}</td>
                  <td>{c.touchpoints}</td>
                  <td>{c.customersConverted}</td>
                  <td>{pct(c.conversionRate)}</td>
                  <td>{c.revenue.toFixed(2)}</td>
                  <td>{c.medianHoursToConvert?.toFixed(1) ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      <QueryShown query={ChannelPerformanceTableDocument.toString()} variables={variables} />
    </section>
  );
}

export function MarketingCards({ session, scope }: { session: Session; scope: Scope }) {
  return (
    <>
      <Attribution session={session} scope={scope} />
      <ChannelPerformance session={session} scope={scope} />
    </>
  );
}
