/**
 * Ask: a question in plain words, answered by `ask` with the caller's rights. The page shows how the
 * question was read (tokens), the GraphQL query that ran (so an analyst can take it to the Explorer),
 * the table and the sentence; when the question was not understood, what would be.
 */
import { useState } from 'preact/hooks';
import { ConsoleAskDocument, type ConsoleAskQuery } from '../generated/graphql.ts';
import { gql } from '../lib/api.ts';
import type { Session } from '../lib/session.ts';

type Result = ConsoleAskQuery['ask'];

const cell = (v: unknown) => (v == null ? '—' : typeof v === 'object' ? JSON.stringify(v) : String(v));

function Answer({ r, onAsk }: { r: Result; onAsk: (q: string) => void }) {
  const i = r.interpretation;
  return (
    <>
      <section aria-labelledby="h-read" class="card wide">
        <h2 id="h-read">How the question was read</h2>
        <ul class="tokens" data-testid="ask-tokens">
          {i.tokens.map((t, n) => (
            <li key={n} data-kind={t.kind}>
              <span class="muted">{t.kind.toLowerCase().replace('_', ' ')}</span> {t.text ? <q>{t.text}</q> : <em>default</em>} → <code>{t.value}</code>
            </li>
          ))}
        </ul>
        {r.unparsed.length > 0 && <p>Not understood: {r.unparsed.map((w) => `“${w}”`).join(', ')}</p>}
        <p class="muted">
          {i.intent ?? 'No analysis chosen'}
          {i.from && ` · ${i.from.slice(0, 10)} to ${i.to?.slice(0, 10)} (exclusive), ${i.timezone}`}
        </p>
      </section>
      {r.answer ? (
        <section aria-labelledby="h-answer" class="card wide">
          <h2 id="h-answer">Answer</h2>
          <p data-testid="ask-sentence">{r.answer.sentence}</p>
          <table data-testid="ask-table">
            <thead>
              <tr>
                {r.answer.columns.map((c) => (
                  <th key={c} scope="col">
                    {c}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {r.answer.rows.map((row, n) => (
                <tr key={n}>
                  {(row as unknown[]).map((v, k) => (
                    <td key={k}>{cell(v)}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : (
        <section aria-labelledby="h-unanswered" class="card wide">
          <h2 id="h-unanswered">{r.status === 'UNKNOWN_VALUE' ? 'Not in the data' : 'Not understood'}</h2>
          {r.reason && <p>{r.reason}</p>}
          {r.suggestions.length > 0 && (
            <>
              <p>{r.status === 'UNKNOWN_VALUE' ? 'What exists:' : 'Try one of these:'}</p>
              <ul data-testid="ask-suggestions">
                {r.suggestions.map((s) => (
                  <li key={s}>
                    {r.status === 'UNKNOWN_VALUE' ? (
                      s
                    ) : (
                      <button type="button" class="link" onClick={() => onAsk(s)}>
                        {s}
                      </button>
                    )}
                  </li>
                ))}
              </ul>
            </>
          )}
        </section>
      )}
      {i.query && (
        <details>
          <summary>The GraphQL query that ran</summary>
          <pre data-testid="ask-query">{i.query}</pre>
          <pre>{JSON.stringify(i.variables, null, 2)}</pre>
        </details>
      )}
    </>
  );
}

export function AskPage({ session }: { session: Session }) {
  const [question, setQuestion] = useState('');
  const [result, setResult] = useState<Result | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const timezone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  const send = async (q: string) => {
    setError(null);
    setBusy(true);
    try {
      setResult((await gql(session.key, ConsoleAskDocument, { question: q, timezone })).ask);
    } catch (err) {
      setResult(null);
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const ask = (e: Event) => {
    e.preventDefault();
    void send(question);
  };
  const askSuggested = (q: string) => {
    setQuestion(q);
    void send(q);
  };
  return (
    <>
      <h1>Ask</h1>
      <form onSubmit={ask} class="filters">
        <label for="question">Your question</label>
        <input id="question" size={60} maxLength={500} required placeholder="orders by channel last month" value={question} onInput={(e) => setQuestion(e.currentTarget.value)} />
        <button type="submit" disabled={busy}>
          Ask
        </button>
      </form>
      <p class="muted">
        In English or Chinese; dates are read in {timezone}. <code>docs/ask.md</code> in the repository lists the questions understood.
      </p>
      <div aria-live="polite" aria-busy={busy}>
        {error && (
          <p role="alert" class="error">
            {error}
          </p>
        )}
        {result && <Answer r={result} onAsk={askSuggested} />}
      </div>
    </>
  );
}
