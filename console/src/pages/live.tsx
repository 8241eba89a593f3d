/**
 * Live: segment membership changes (resumed from the last seq after a reload), alerts, and the
 * touchpoint stream with stored and quarantined events apart.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import {
  AlertFeedDocument,
  MembershipFeedDocument,
  SegmentNamesDocument,
  TouchpointFeedDocument,
  type AlertFeedSubscription,
  type Channel,
  type MembershipFeedSubscription,
  type SegmentNamesQuery,
  type TouchpointFeedSubscription,
} from '../generated/graphql.ts';
import { gql, subscribe } from '../lib/api.ts';
import { clock, prepend, who } from '../lib/format.ts';
import type { Session } from '../lib/session.ts';

type Change = MembershipFeedSubscription['segmentMembershipChanged'];
type Alert = AlertFeedSubscription['alertRaised'];
type Tp = TouchpointFeedSubscription['touchpointReceived'];

const SEQ_KEY = 'cdp.live.lastSeq';
const SEGMENTS_KEY = 'cdp.live.segments';
export const CHANNELS: Channel[] = ['WEB', 'APP', 'MINI_PROGRAM', 'SOCIAL', 'EMAIL', 'SMS', 'ADS', 'SEARCH', 'CALL_CENTER', 'SUPPORT', 'STORE_POS', 'CRM', 'OTHER'];

function MembershipFeed({ session }: { session: Session }) {
  const [segments, setSegments] = useState<SegmentNamesQuery['segments']>([]);
  const [chosen, setChosen] = useState<string[]>(() => JSON.parse(sessionStorage.getItem(SEGMENTS_KEY) ?? '[]') as string[]);
  const [changes, setChanges] = useState<Change[]>([]);
  const lastSeq = useRef<bigint>(BigInt(sessionStorage.getItem(SEQ_KEY) ?? '0'));
  useEffect(() => {
    gql(session.key, SegmentNamesDocument).then((d) => setSegments(d.segments), () => {});
  }, [session.key]);
  useEffect(() => {
    sessionStorage.setItem(SEGMENTS_KEY, JSON.stringify(chosen));
    const resume = sessionStorage.getItem(SEQ_KEY);
    return subscribe(session.key, MembershipFeedDocument, () => ({ segmentIds: chosen.length ? chosen : null, since: resume ? lastSeq.current.toString() : null }), {
      next: (d) => {
        const c = d.segmentMembershipChanged;
        // A reconnect replays from the seq it started with: what was already shown is skipped.
        if (BigInt(c.seq) <= lastSeq.current) return;
        lastSeq.current = BigInt(c.seq);
        sessionStorage.setItem(SEQ_KEY, c.seq);
        setChanges((list) => prepend(list, c));
      },
    });
  }, [session.key, chosen.join(',')]);
  return (
    <section aria-labelledby="h-membership" class="card">
      <h2 id="h-membership">Segment membership</h2>
      <label for="seg-filter">Segments (none chosen: all)</label>
      <select id="seg-filter" multiple size={Math.min(4, Math.max(2, segments.length))} onChange={(e) => setChosen([...e.currentTarget.selectedOptions].map((o) => o.value))}>
        {segments.map((s) => (
          <option key={s.id} value={s.id} selected={chosen.includes(s.id)}>
            {s.name} ({s.size})
          </option>
        ))}
      </select>
      <ol class="feed" aria-live="polite" aria-label="Membership changes, newest first" data-testid="membership-feed">
        {changes.map((c) => (
          <li key={c.seq} data-seq={c.seq} data-customer-id={c.customerId} data-segment-id={c.segmentId} data-change={c.change}>
            <span class={`badge ${c.change === 'ENTERED' ? 'ok' : 'warn'}`}>{c.change}</span> <a href={`/people/${c.customerId}`}>{who(c.customer, c.customerId)}</a> ·{' '}
            {c.segment?.name ?? c.segmentId} <span class="muted">
              {clock(c.at)} · #{c.seq} · {String(c.reason.kind ?? '')}
            </span>
          </li>
        ))}
      </ol>
      {changes.length === 0 && <p class="muted">Waiting for changes…</p>}
    </section>
  );
}

function AlertsFeed({ session }: { session: Session }) {
  const [alerts, setAlerts] = useState<Alert[]>([]);
  useEffect(() => subscribe(session.key, AlertFeedDocument, () => ({}), { next: (d) => setAlerts((l) => prepend(l, d.alertRaised, 100)) }), [session.key]);
  return (
    <section aria-labelledby="h-alerts" class="card">
      <h2 id="h-alerts">Alerts</h2>
      <ol class="feed" aria-live="polite" aria-label="Alerts, newest first" data-testid="alerts-feed">
        {alerts.map((a) => (
          <li key={a.id}>
            <span class="badge warn">{a.kind}</span> {a.customerId ? <a href={`/people/${a.customerId}`}>{a.customerId.slice(0, 8)}</a> : a.channel}{' '}
            <span class="muted">{clock(a.raisedAt)}</span>
          </li>
        ))}
      </ol>
      {alerts.length === 0 && <p class="muted">No alerts since you opened this page.</p>}
    </section>
  );
}

const splitList = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean);

function TouchpointStream({ session }: { session: Session }) {
  const [events, setEvents] = useState('');
  const [sources, setSources] = useState('');
  const [channel, setChannel] = useState('');
  const [good, setGood] = useState<Tp[]>([]);
  const [bad, setBad] = useState<Tp[]>([]);
  const [skipped, setSkipped] = useState(0);
  const filter = JSON.stringify({ events: splitList(events), sources: splitList(sources), channels: channel ? [channel] : [] });
  useEffect(() => {
    const f = JSON.parse(filter) as { events: string[]; sources: string[]; channels: Channel[] };
    return subscribe(session.key, TouchpointFeedDocument, () => ({ filter: f }), {
      next: ({ touchpointReceived: t }) => {
        if (t.skippedBefore) setSkipped((n) => n + t.skippedBefore);
        if (t.quarantined) setBad((l) => prepend(l, t, 100));
        else setGood((l) => prepend(l, t, 100));
      },
    });
  }, [session.key, filter]);
  return (
    <section aria-labelledby="h-stream" class="card wide">
      <h2 id="h-stream">Touchpoints as they arrive</h2>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Events <input name="events" placeholder="Order Completed, Page Viewed" value={events} onChange={(e) => setEvents(e.currentTarget.value)} />
        </label>
        <label>
          Channel{' '}
          <select name="channel" value={channel} onChange={(e) => setChannel(e.currentTarget.value)}>
            <option value="">all</option>
            {CHANNELS.map((c) => (
              <option key={c}>{c}</option>
            ))}
          </select>
        </label>
        <label>
          Sources <input name="sources" placeholder="web, crm" value={sources} onChange={(e) => setSources(e.currentTarget.value)} />
        </label>
      </form>
      {skipped > 0 && <p class="muted">Sampled: {skipped} matching events not shown (the stream sends at most 50 a second).</p>}
      <div class="split">
        <div>
          <h3 id="h-good">Stored</h3>
          <ol class="feed" aria-live="polite" aria-labelledby="h-good" data-testid="stored-feed">
            {good.map((t) => (
              <li key={t.touchpointId}>
                <span class="badge">{t.channel}</span> {t.event ?? t.type} · <a href={`/people/${t.customerId}`}>{t.customerId?.slice(0, 8)}</a>{' '}
                <span class="muted">
                  {t.source} · {clock(t.receivedAt)}
                </span>
              </li>
            ))}
          </ol>
        </div>
        <div>
          <h3 id="h-bad">Quarantined</h3>
          <ol class="feed" aria-live="polite" aria-labelledby="h-bad" data-testid="quarantined-feed">
            {bad.map((t, i) => (
              <li key={`${t.receivedAt}-${i}`}>
                <span class="badge warn">{t.reason}</span> {t.event ?? t.type ?? '?'} <span class="muted">
                  {t.source} · {clock(t.receivedAt)}
                </span>
              </li>
            ))}
          </ol>
        </div>
      </div>
    </section>
  );
}

export function LivePage({ session }: { session: Session }) {
  return (
    <>
      <h1>Live</h1>
      <div class="grid">
        <MembershipFeed session={session} />
        <AlertsFeed session={session} />
        <TouchpointStream session={session} />
      </div>
    </>
  );
}
