/** Explorer: GraphiQL (React, loaded only here) with the signed-in key and the schema's docs. */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Session } from '../lib/session.ts';

export function ExplorerPage({ session }: { session: Session }) {
  const ref = useRef<HTMLDivElement>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let unmount = () => {};
    let gone = false;
    import('../explorer/graphiql.ts').then(
      (m) => {
        if (!gone && ref.current) unmount = m.mountGraphiQL(ref.current, session.key);
      },
      (e: Error) => setError(e.message),
    );
    return () => {
      gone = true;
      unmount();
    };
  }, [session.key]);
  return (
    <>
      <h1 class="sr-only">Explorer</h1>
      {error && <p role="alert" class="error">{error}</p>}
      <div ref={ref} class="explorer" />
    </>
  );
}
