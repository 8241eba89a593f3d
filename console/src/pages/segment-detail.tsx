/**
 * One segment: its size over time (replayed from the membership outbox, `Segment.changes`: there is no
 * stored size history), its versions with the diff of each rule against the one before, and members.
 */
import { useEffect, useState } from 'preact/hooks';
import { SegmentChangesDocument, SegmentDetailDocument, type SegmentDetailQuery } from '../generated/graphql.ts';
import { gql } from '../lib/api.ts';
import { diffLines } from '../lib/diff.ts';
import { time } from '../lib/format.ts';
import type { Session } from '../lib/session.ts';

type Detail = NonNullable<SegmentDetailQuery['segment']>;

/** At most this many outbox pages (1,000 changes each) are replayed for the trend. */
const CHANGE_PAGES = 10;

/**
 * Size at the end of each day with a change. Counted back from today's size, because the outbox keeps
 * only the last OUTBOX_RETENTION_DAYS (older changes are pruned, so a forward replay would start wrong).
 */
async function sizeByDay(key: string, id: string, sizeNow: number): Promise<{ days: [string, number][]; complete: boolean }> {
  const net = new Map<string, number>();
  let since: string | null | undefined;
  for (let page = 0; page < CHANGE_PAGES; page++) {
    const c = (await gql(key, SegmentChangesDocument, { id, since }))?.segment?.changes;
    if (!c) break;
    for (const n of c.nodes) net.set(n.at.slice(0, 10), (net.get(n.at.slice(0, 10)) ?? 0) + (n.change === 'ENTERED' ? 1 : -1));
    since = c.lastSeq;
    if (!c.hasMore) {
      let size = sizeNow;
      const days: [string, number][] = [];
      for (const [day, delta] of [...net].reverse()) {
        days.unshift([day, size]);
        size -= delta;
      }
      return { days, complete: true };
    }
  }
  return { days: [], complete: false };
}

function Trend({ session, id, size }: { session: Session; id: string; size: number }) {
  const [trend, setTrend] = useState<Awaited<ReturnType<typeof sizeByDay>> | null>(null);
  useEffect(() => {
    sizeByDay(session.key, id, size).then(setTrend, () => setTrend(null));
  }, [session.key, id, size]);
  if (!trend) return <p aria-busy="true">Replaying membership changes…</p>;
  const max = Math.max(1, size, ...trend.days.map(([, n]) => n));
  return (
    <>
      <h3>Size by day</h3>
      {!trend.complete && <p class="muted">More than {CHANGE_PAGES * 1000} recent changes: too many to replay here.</p>}
      <table data-testid="segment-trend">
        <thead>
          <tr>
            <th scope="col">Day</th>
            <th scope="col">Members at its end</th>
          </tr>
        </thead>
        <tbody>
          {trend.days.slice(-30).map(([day, n]) => (
            <tr key={day}>
              <td>{day}</td>
              <td>
                <span class="bar" style={{ width: `${(n / max) * 8}em` }} aria-hidden="true" /> {n}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function Versions({ versions }: { versions: Detail['versions'] }) {
  const sorted = [...versions].sort((a, b) => b.version - a.version);
  return (
    <>
      <h3>Versions</h3>
      {sorted.map((v, i) => {
        const before = sorted[i + 1];
        return (
          <details key={v.version} open={i === 0}>
            <summary>
              Version {v.version}, {time(v.createdAt)}
              {v.createdBy ? ` by ${v.createdBy}` : ''} — {v.name}
            </summary>
            {before ? (
              <pre class="diff" aria-label={`Rule changes from version ${before.version} to ${v.version}`} data-testid={`diff-${v.version}`}>
                {diffLines(JSON.stringify(before.rule, null, 2), JSON.stringify(v.rule, null, 2)).map((l, n) =>
                  l.op === '+' ? <ins key={n}>+ {l.text}</ins> : l.op === '-' ? <del key={n}>- {l.text}</del> : <span key={n}>{'  '}{l.text}</span>,
                )}
              </pre>
            ) : (
              <pre>{JSON.stringify(v.rule, null, 2)}</pre>
            )}
          </details>
        );
      })}
    </>
  );
}

export function SegmentDetail({ session, id, onClose }: { session: Session; id: string; onClose: () => void }) {
  const [seg, setSeg] = useState<Detail | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setSeg(null);
    gql(session.key, SegmentDetailDocument, { id }).then(
      (d) => (d.segment ? setSeg(d.segment) : setError('This segment no longer exists.')),
      (e: Error) => setError(e.message),
    );
  }, [session.key, id]);
  if (error) return <p role="alert" class="error">{error}</p>;
  if (!seg) return <p aria-busy="true">Loading the segment…</p>;
  return (
    <section aria-labelledby="h-segment" class="card wide" data-testid="segment-detail">
      <h2 id="h-segment">
        {seg.name} <span class="muted">({seg.size} members, version {seg.version})</span>
      </h2>
      <button type="button" onClick={onClose}>
        Close
      </button>
      <div class="split">
        <div>
          <Trend session={session} id={seg.id} size={seg.size} />
          <h3>Members</h3>
          <ul data-testid="segment-members">
            {seg.members.edges.map(({ node: c }) => (
              <li key={c.id}>
                <a href={`/people/${encodeURIComponent(c.id)}`}>{c.name ?? c.email ?? c.id}</a>
              </li>
            ))}
          </ul>
          {seg.size > seg.members.edges.length && <p class="muted">The first {seg.members.edges.length} of {seg.size}.</p>}
        </div>
        <div>
          <Versions versions={seg.versions} />
        </div>
      </div>
    </section>
  );
}
