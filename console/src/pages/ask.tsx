/**
 * Ask: questions in plain words. The `ask` query is being built separately; until the server has it,
 * the page says so. The document is untyped on purpose (it is not in schema.graphql yet): once `ask`
 * lands, move it to documents/ask.graphql and let codegen type it.
 */
import { useState } from 'preact/hooks';
import { gql } from '../lib/api.ts';
import type { TypedDocumentString } from '../generated/graphql.ts';
import type { Session } from '../lib/session.ts';

const ASK = 'query Ask($question: String!) { ask(question: $question) }' as unknown as TypedDocumentString<{ ask: unknown }, { question: string }>;

export function AskPage({ session }: { session: Session }) {
  const [question, setQuestion] = useState('');
  const [answer, setAnswer] = useState<unknown>(null);
  const [error, setError] = useState<string | null>(null);
  const ask = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      setAnswer((await gql(session.key, ASK, { question })).ask);
    } catch (err) {
      const m = (err as Error).message;
      setError(/Cannot query field "ask"/.test(m) ? 'This server does not answer questions in plain words yet (no `ask` query).' : m);
    }
  };
  return (
    <>
      <h1>Ask</h1>
      <form onSubmit={ask} class="filters">
        <label for="question">Your question</label>
        <input id="question" size={60} placeholder="orders by channel last month" value={question} onInput={(e) => setQuestion(e.currentTarget.value)} />
        <button type="submit">Ask</button>
      </form>
      <div aria-live="polite">
        {error && <p role="alert" class="error">{error}</p>}
        {answer != null && <pre>{JSON.stringify(answer, null, 2)}</pre>}
      </div>
    </>
  );
}
