import { render } from 'preact';
import { lazy, Suspense } from 'preact/compat';
import { useEffect, useState } from 'preact/hooks';
import { ViewerDocument } from './generated/graphql.ts';
import { ApiError, closeWs, gql } from './lib/api.ts';
import { onLinkClick, usePath } from './lib/router.ts';
import { can, forgetKey, storedKey, storeKey, type Session } from './lib/session.ts';
import { LivePage } from './pages/live.tsx';
import './styles.css';

// Every page but Live is its own chunk, loaded on first visit.
const PeoplePage = lazy(() => import('./pages/people.tsx').then((m) => ({ default: m.PeoplePage })));
const PersonPage = lazy(() => import('./pages/person.tsx').then((m) => ({ default: m.PersonPage })));
const SegmentsPage = lazy(() => import('./pages/segments.tsx').then((m) => ({ default: m.SegmentsPage })));
const InsightsPage = lazy(() => import('./pages/insights.tsx').then((m) => ({ default: m.InsightsPage })));
const DataPage = lazy(() => import('./pages/data.tsx').then((m) => ({ default: m.DataPage })));
const AskPage = lazy(() => import('./pages/ask.tsx').then((m) => ({ default: m.AskPage })));
const ExplorerPage = lazy(() => import('./pages/explorer.tsx').then((m) => ({ default: m.ExplorerPage })));

const NAV = [
  ['/', 'Live'],
  ['/people', 'People'],
  ['/segments', 'Segments'],
  ['/insights', 'Insights'],
  ['/ask', 'Ask'],
  ['/data', 'Data'],
  ['/explorer', 'Explorer'],
] as const;

function SignIn({ onSession, error }: { onSession: (s: Session) => void; error: string | null }) {
  const [key, setKey] = useState('');
  const [message, setMessage] = useState(error);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    try {
      const { viewer } = await gql(key.trim(), ViewerDocument);
      if (viewer.role === 'WRITER') throw new ApiError('A WRITER key can only send data; sign in with a READER, OPERATOR or ADMIN key.', 'FORBIDDEN', 403);
      storeKey(key.trim());
      onSession({ key: key.trim(), ...viewer });
    } catch (err) {
      setMessage(err instanceof ApiError && err.status === 401 ? 'That key is unknown or revoked.' : (err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" class="signin">
      <h1>CDP console</h1>
      <form onSubmit={submit} aria-describedby="signin-help">
        <label for="api-key">API key</label>
        <input id="api-key" name="api-key" type="password" autoComplete="off" required value={key} onInput={(e) => setKey(e.currentTarget.value)} />
        <button type="submit" disabled={busy}>
          Sign in
        </button>
        <p id="signin-help" class="muted">
          The key is kept in this browser tab only (session storage). <code>npm start</code> prints an ADMIN key.
        </p>
        {message && (
          <p role="alert" class="error">
            {message}
          </p>
        )}
      </form>
    </main>
  );
}

function Page({ path, session }: { path: string; session: Session }) {
  const person = /^\/people\/([^/]+)$/.exec(path);
  if (person) return <PersonPage session={session} id={decodeURIComponent(person[1]!)} />;
  switch (path) {
    case '/':
    case '/live':
      return <LivePage session={session} />;
    case '/people':
      return <PeoplePage session={session} />;
    case '/segments':
      return <SegmentsPage session={session} />;
    case '/insights':
      return <InsightsPage session={session} />;
    case '/ask':
      return <AskPage session={session} />;
    case '/data':
      return <DataPage session={session} />;
    case '/explorer':
      return <ExplorerPage session={session} />;
    default:
      return <h1>Not found</h1>;
  }
}

function App() {
  const path = usePath();
  const [session, setSession] = useState<Session | null>(null);
  const [checking, setChecking] = useState(!!storedKey());
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const key = storedKey();
    if (!key) return;
    gql(key, ViewerDocument)
      .then(({ viewer }) => setSession({ key, ...viewer }))
      .catch((e: unknown) => {
        forgetKey();
        setError(e instanceof ApiError && e.status === 401 ? 'Your key is no longer valid; sign in again.' : (e as Error).message);
      })
      .finally(() => setChecking(false));
  }, []);
  if (checking) return <p aria-busy="true">Signing in…</p>;
  if (!session) return <SignIn onSession={setSession} error={error} />;
  const signOut = () => {
    forgetKey();
    closeWs();
    setSession(null);
  };
  const current = path === '/live' ? '/' : path.startsWith('/people/') ? '/people' : path;
  return (
    <div class="shell" onClick={onLinkClick}>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header>
        <span class="brand">CDP console</span>
        <nav aria-label="Pages">
          <ul>
            {NAV.map(([href, label]) => (
              <li key={href}>
                <a href={href} aria-current={current === href ? 'page' : undefined}>
                  {label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <span class="who">
          <span data-testid="viewer">
            {session.name} ({session.role})
          </span>{' '}
          <button type="button" onClick={signOut}>
            Sign out
          </button>
        </span>
      </header>
      <main id="main" tabIndex={-1}>
        {can.read(session) ? (
          <Suspense fallback={<p aria-busy="true">Loading…</p>}>
            <Page path={path} session={session} />
          </Suspense>
        ) : (
          <p>This key cannot read.</p>
        )}
      </main>
    </div>
  );
}

render(<App />, document.getElementById('app')!);
