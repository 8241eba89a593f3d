/** Data: the event dictionary, failed events with reprocess (OPERATOR, ADMIN) and API keys (ADMIN). */
import { useEffect, useState } from 'preact/hooks';
import { ApiKeyListDocument, FailedEventListDocument, ReprocessFailedDocument, type ApiKeyListQuery, type FailedEventListQuery } from '../generated/graphql.ts';
import { gql } from '../lib/api.ts';
import { time } from '../lib/format.ts';
import { can, type Session } from '../lib/session.ts';
import { EventDictionary } from './event-dictionary.tsx';

function FailedEvents({ session }: { session: Session }) {
  const [list, setList] = useState<FailedEventListQuery['failedEvents'] | null>(null);
  const [note, setNote] = useState('');
  const load = () => gql(session.key, FailedEventListDocument).then((d) => setList(d.failedEvents), (e: Error) => setNote(e.message));
  useEffect(() => {
    void load();
  }, [session.key]);
  const reprocess = async (ids: string[]) => {
    const r = (await gql(session.key, ReprocessFailedDocument, { ids })).reprocessFailedEvents;
    setNote(`${r.reprocessed} reprocessed, ${r.stillFailing} still failing.`);
    await load();
  };
  return (
    <section aria-labelledby="h-failed" class="card wide">
      <h2 id="h-failed">Failed events ({list?.totalCount ?? '…'})</h2>
      <p aria-live="polite">{note}</p>
      <table>
        <thead>
          <tr>
            <th scope="col">Received</th>
            <th scope="col">Source</th>
            <th scope="col">Reason</th>
            <th scope="col">Message</th>
            <th scope="col">
              <span class="sr-only">Action</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {list?.edges.map(({ node: f }) => (
            <tr key={f.id}>
              <td>{time(f.receivedAt)}</td>
              <td>{f.source}</td>
              <td>{f.reason}</td>
              <td>{f.message}</td>
              <td>
                <button type="button" onClick={() => reprocess([f.id])}>
                  Reprocess
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function ApiKeys({ session }: { session: Session }) {
  const [keys, setKeys] = useState<ApiKeyListQuery['apiKeys']>([]);
  useEffect(() => {
    gql(session.key, ApiKeyListDocument).then((d) => setKeys(d.apiKeys), () => {});
  }, [session.key]);
  return (
    <section aria-labelledby="h-keys" class="card wide">
      <h2 id="h-keys">API keys</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Prefix</th>
            <th scope="col">Role</th>
            <th scope="col">Last used</th>
            <th scope="col">Revoked</th>
          </tr>
        </thead>
        <tbody>
          {keys.map((k) => (
            <tr key={k.id}>
              <td>{k.name}</td>
              <td>
                <code>{k.prefix}</code>
              </td>
              <td>{k.role}</td>
              <td>{time(k.lastUsedAt)}</td>
              <td>{time(k.revokedAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export function DataPage({ session }: { session: Session }) {
  return (
    <>
      <h1>Data</h1>
      {!can.operate(session) && <p>Failed events and API keys need an OPERATOR or ADMIN key.</p>}
      <div class="grid">
        <EventDictionary session={session} />
        {can.operate(session) && <FailedEvents session={session} />}
        {can.admin(session) && <ApiKeys session={session} />}
      </div>
    </>
  );
}
