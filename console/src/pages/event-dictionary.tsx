/** The event dictionary: every event name with counts, people, first and last seen, channels and its property keys. */
import { useEffect, useState } from 'preact/hooks';
import { EventDictionaryDocument, type EventDictionaryQuery } from '../generated/graphql.ts';
import { gql } from '../lib/api.ts';
import { time } from '../lib/format.ts';
import type { Session } from '../lib/session.ts';

const DAY = 86_400_000;
const isoDay = (t: number) => new Date(t).toISOString().slice(0, 10);

export function EventDictionary({ session }: { session: Session }) {
  const [from, setFrom] = useState(isoDay(Date.now() - 90 * DAY));
  const [to, setTo] = useState(isoDay(Date.now() + DAY));
  const [search, setSearch] = useState('');
  const [dict, setDict] = useState<EventDictionaryQuery['events'] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = (e?: Event) => {
    e?.preventDefault();
    setError(null);
    const scope = { from: `${from}T00:00:00.000Z`, to: `${to}T00:00:00.000Z` };
    gql(session.key, EventDictionaryDocument, { scope, search: search.trim() || null }).then(
      (d) => setDict(d.events),
      (err: Error) => setError(err.message),
    );
  };
  useEffect(() => load(), [session.key]);
  return (
    <section aria-labelledby="h-events" class="card wide">
      <h2 id="h-events">Event dictionary</h2>
      <form onSubmit={load} class="filters">
        <label>
          From <input name="dict-from" type="date" value={from} onChange={(e) => setFrom(e.currentTarget.value)} />
        </label>
        <label>
          To (exclusive) <input name="dict-to" type="date" value={to} onChange={(e) => setTo(e.currentTarget.value)} />
        </label>
        <label>
          Name contains <input name="dict-search" value={search} onInput={(e) => setSearch(e.currentTarget.value)} />
        </label>
        <button type="submit">Show events</button>
      </form>
      {error && <p role="alert" class="error">{error}</p>}
      {dict && (
        <table data-testid="event-dictionary">
          <caption>
            {dict.events.length} of {dict.totalCount} event names
          </caption>
          <thead>
            <tr>
              <th scope="col">Event</th>
              <th scope="col">Count</th>
              <th scope="col">People</th>
              <th scope="col">First seen</th>
              <th scope="col">Last seen</th>
              <th scope="col">Channels</th>
              <th scope="col">Properties (types)</th>
            </tr>
          </thead>
          <tbody>
            {dict.events.map((ev) => (
              <tr key={ev.name}>
                <th scope="row">{ev.name}</th>
                <td>{ev.count}</td>
                <td>{ev.customers}</td>
                <td>{time(ev.firstSeen)}</td>
                <td>{time(ev.lastSeen)}</td>
                <td>{ev.channels.map((c) => `${c.channel} ${c.count}`).join(', ')}</td>
                <td>
                  {ev.properties.map((p) => (
                    <span key={p.key} title={p.examples.map((x) => JSON.stringify(x)).join(', ')}>
                      <code>{p.key}</code> ({p.types.join('|').toLowerCase()}){' '}
                    </span>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
