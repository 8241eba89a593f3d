/** One person: profile, identities, tags, segments, stats, RFM tier, journey by channel, merges. */
import { useEffect, useState } from 'preact/hooks';
import { PersonDocument, UndoMergeDocument, type PersonQuery } from '../generated/graphql.ts';
import { gql } from '../lib/api.ts';
import { time } from '../lib/format.ts';
import { can, type Session } from '../lib/session.ts';

type Person = NonNullable<PersonQuery['customer']>;

function Journey({ journey }: { journey: Person['journey'] }) {
  const steps = journey.edges.map((e) => e.node);
  const channels = [...new Set(steps.map((s) => s.touchpoint.channel))];
  return (
    <section aria-labelledby="h-journey" class="card wide">
      <h2 id="h-journey">Journey</h2>
      <p>
        {journey.totalCount} touchpoints in {journey.sessions.length} sessions across <span data-testid="journey-channel-count">{channels.length}</span> channels, {journey.channelSwitches} channel
        switches.
      </p>
      <div class="timeline" role="table" aria-label="Journey by channel: one row a channel, touchpoints in time order">
        <div role="rowgroup">
          {channels.map((ch) => (
            <div role="row" class="lane" key={ch} data-channel={ch}>
              <span role="rowheader" class="lane-name">
                {ch}
              </span>
              <span role="cell" class="lane-steps">
                {steps.map((s) =>
                  s.touchpoint.channel === ch ? (
                    <span key={s.touchpoint.id} class={`dot stage-${s.stage}`} title={`${s.touchpoint.event ?? s.touchpoint.type} · ${time(s.touchpoint.occurredAt)} · session ${s.session} · ${s.stage}`}>
                      {s.touchpoint.event ?? s.touchpoint.type}
                    </span>
                  ) : (
                    <span key={s.touchpoint.id} class="gap" aria-hidden="true" />
                  ),
                )}
              </span>
            </div>
          ))}
        </div>
      </div>
      <ol class="steps" aria-label="Touchpoints in time order">
        {steps.map((s) => (
          <li key={s.touchpoint.id} data-channel={s.touchpoint.channel}>
            <span class="muted">{time(s.touchpoint.occurredAt)}</span> <span class="badge">{s.touchpoint.channel}</span> {s.touchpoint.event ?? s.touchpoint.type} · session {s.session} ·{' '}
            {s.stage}
            {s.channelSwitch && <span class="badge warn"> switched from {s.previousChannel}</span>}
          </li>
        ))}
      </ol>
    </section>
  );
}

export function PersonPage({ session, id }: { session: Session; id: string }) {
  const [person, setPerson] = useState<Person | null | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const load = () => gql(session.key, PersonDocument, { id }).then((d) => setPerson(d.customer), (e: Error) => setError(e.message));
  useEffect(() => {
    void load();
  }, [id, session.key]);
  if (error) return <p role="alert" class="error">{error}</p>;
  if (person === undefined) return <p aria-busy="true">Loading…</p>;
  if (person === null) return <h1>No such person</h1>;
  const undo = async (mergeId: string) => {
    if (!confirm('Undo this merge? The merged-away profile comes back with its own identities, touchpoints and tags.')) return;
    await gql(session.key, UndoMergeDocument, { mergeId }).catch((e: Error) => setError(e.message));
    await load();
  };
  return (
    <>
      <h1>{person.name || person.email || person.id}</h1>
      <div class="grid">
        <section aria-labelledby="h-profile" class="card">
          <h2 id="h-profile">Profile</h2>
          <dl>
            <dt>Email</dt>
            <dd>{person.email ?? '—'}</dd>
            <dt>Phone</dt>
            <dd>{person.phone ?? '—'}</dd>
            <dt>Place</dt>
            <dd>{[person.city, person.country].filter(Boolean).join(', ') || '—'}</dd>
            <dt>RFM tier</dt>
            <dd>{person.rfmTier ?? '—'}</dd>
            <dt>Touchpoints / orders / value</dt>
            <dd>
              {person.stats.touchpointCount} / {person.stats.orderCount} / {person.stats.lifetimeValue}
            </dd>
            <dt>First / last seen</dt>
            <dd>
              {time(person.stats.firstSeenAt)} / {time(person.stats.lastSeenAt)}
            </dd>
          </dl>
          <details>
            <summary>Traits</summary>
            <pre>{JSON.stringify(person.traits, null, 2)}</pre>
          </details>
        </section>
        <section aria-labelledby="h-ids" class="card">
          <h2 id="h-ids">Identities</h2>
          <ul>
            {person.identities.map((i) => (
              <li key={`${i.type}:${i.value}`}>
                <span class="badge">{i.type}</span> {i.value} <span class="muted">{i.source}</span>
              </li>
            ))}
          </ul>
          <h2>Tags</h2>
          <p>{person.tags.map((t) => <span key={t.key} class="badge">{t.name}</span>)}</p>
          <h2>Segments</h2>
          <p>{person.segments.map((s) => <span key={s.id} class="badge ok">{s.name}</span>)}</p>
        </section>
        <Journey journey={person.journey} />
        <section aria-labelledby="h-merges" class="card wide">
          <h2 id="h-merges">Merges</h2>
          {person.merges.length === 0 ? (
            <p class="muted">None.</p>
          ) : (
            <ul>
              {person.merges.map((m) => (
                <li key={m.id}>
                  {m.loser?.name ?? m.loser?.id} → {m.winner?.name ?? m.winner?.id} · {m.reason} · {m.undoneAt ? 'undone' : m.status}{' '}
                  {can.operate(session) && m.status === 'MERGED' && !m.undoneAt && (
                    <button type="button" onClick={() => undo(m.id)}>
                      Undo
                    </button>
                  )}
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
    </>
  );
}
