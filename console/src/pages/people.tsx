/** People: one box for a name, an email (text search) or any identity value (exact lookup). */
import { useState } from 'preact/hooks';
import { PersonByIdentityDocument, SearchPeopleDocument, type IdentityType, type SearchPeopleQuery } from '../generated/graphql.ts';
import { gql } from '../lib/api.ts';
import { time } from '../lib/format.ts';
import type { Session } from '../lib/session.ts';

type Row = SearchPeopleQuery['customers']['edges'][number]['node'];
const IDENTITY_TYPES: IdentityType[] = ['USER_ID', 'EMAIL', 'PHONE', 'ANONYMOUS_ID', 'CRM_ID', 'DEVICE_ID'];

export function PeoplePage({ session }: { session: Session }) {
  const [q, setQ] = useState('');
  const [rows, setRows] = useState<Row[] | null>(null);
  const [total, setTotal] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const search = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      const found = await gql(session.key, SearchPeopleDocument, { search: q.trim() });
      const rows = found.customers.edges.map((e) => e.node);
      // Any identity: ids that text search does not cover (user ids, phone numbers, CRM ids, ...).
      const byId = await Promise.all(IDENTITY_TYPES.map((type) => gql(session.key, PersonByIdentityDocument, { type, value: q.trim() }).then((d) => d.customerByIdentity?.id, () => undefined)));
      const extra = [...new Set(byId.filter((id): id is string => !!id && !rows.some((r) => r.id === id)))];
      setRows([...extra.map((id) => ({ id, name: null, email: null, phone: null, city: null, country: null, stats: { touchpointCount: 0, lastSeenAt: null } }) as Row), ...rows]);
      setTotal(found.customers.totalCount + extra.length);
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <>
      <h1>People</h1>
      <form role="search" onSubmit={search} class="filters">
        <label for="people-q">Name, email or any identity</label>
        <input id="people-q" type="search" required value={q} onInput={(e) => setQ(e.currentTarget.value)} />
        <button type="submit">Search</button>
      </form>
      {error && <p role="alert" class="error">{error}</p>}
      {rows && (
        <section aria-labelledby="h-results">
          <h2 id="h-results" aria-live="polite">
            {total} found
          </h2>
          <table>
            <thead>
              <tr>
                <th scope="col">Person</th>
                <th scope="col">Email</th>
                <th scope="col">Place</th>
                <th scope="col">Touchpoints</th>
                <th scope="col">Last seen</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.id}>
                  <td>
                    <a href={`/people/${r.id}`}>{r.name || r.id}</a>
                  </td>
                  <td>{r.email}</td>
                  <td>{[r.city, r.country].filter(Boolean).join(', ')}</td>
                  <td>{r.stats.touchpointCount}</td>
                  <td>{time(r.stats.lastSeenAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
    </>
  );
}
