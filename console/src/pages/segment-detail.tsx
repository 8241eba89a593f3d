/**
 * One segment: its size by day (Segment.sizeTrend, counted back by the server through the membership
 * outbox; days that may have lost changes to pruning are marked), its versions with the diff of each
 * rule against the one before, and its members, 50 at a time.
 */
import { useEffect, useState } from 'preact/hooks';
import { SegmentDetailDocument, SegmentMembersDocument, type MemberPageFragment, type SegmentDetailQuery } from '../generated/graphql.ts';
import { gql } from '../lib/api.ts';
import { diffLines } from '../lib/diff.ts';
import { time } from '../lib/format.ts';
import type { Session } from '../lib/session.ts';
import { Sparkline, type SizePoint } from '../lib/sparkline.tsx';

type Detail = NonNullable<SegmentDetailQuery['segment']>;

function Trend({ points }: { points: SizePoint[] }) {
  const max = Math.max(1, ...points.map((p) => p.size));
  const incomplete = points.filter((p) => !p.complete).length;
  return (
    <>
      <h3>Size by day</h3>
      <Sparkline points={points} width={240} height={48} />
      {incomplete > 0 && (
        <p class="muted">
          The {incomplete} oldest day{incomplete === 1 ? '' : 's'}, marked “incomplete”, may leave out changes the outbox no longer keeps (OUTBOX_RETENTION_DAYS).
        </p>
      )}
      <table data-testid="segment-trend">
        <thead>
          <tr>
            <th scope="col">Day (UTC)</th>
            <th scope="col">Members at its end</th>
          </tr>
        </thead>
        <tbody>
          {points.map((p) => (
            <tr key={p.day} data-complete={String(p.complete)} class={p.complete ? undefined : 'muted'}>
              <td>{p.day}</td>
              <td>
                <span class="bar" style={{ width: `${(p.size / max) * 8}em` }} aria-hidden="true" /> {p.size}
                {!p.complete && ' (incomplete)'}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

/** Members 50 at a time: the first page comes with the segment, "More" asks for the next after the last cursor. */
function Members({ session, id, size, first }: { session: Session; id: string; size: number; first: MemberPageFragment }) {
  const [edges, setEdges] = useState(first.edges);
  const [page, setPage] = useState(first.pageInfo);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const more = async () => {
    if (!page.endCursor) return;
    setBusy(true);
    setError(null);
    try {
      const next = (await gql(session.key, SegmentMembersDocument, { id, after: page.endCursor })).segment?.members;
      if (next) {
        setEdges((e) => [...e, ...next.edges]);
        setPage(next.pageInfo);
      }
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <h3>Members</h3>
      <ul data-testid="segment-members">
        {edges.map(({ node: c }) => (
          <li key={c.id}>
            <a href={`/people/${encodeURIComponent(c.id)}`}>{c.name ?? c.email ?? c.id}</a>
          </li>
        ))}
      </ul>
      <p class="muted" aria-live="polite" data-testid="segment-members-shown">
        {edges.length} of {size} shown.
      </p>
      {page.hasNextPage && (
        <button type="button" onClick={more} disabled={busy} aria-busy={busy}>
          More members
        </button>
      )}
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
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
          <Trend points={seg.sizeTrend} />
          <Members key={seg.id} session={session} id={seg.id} size={seg.size} first={seg.members} />
        </div>
        <div>
          <Versions versions={seg.versions} />
        </div>
      </div>
    </section>
  );
}
