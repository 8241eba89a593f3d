/**
 * GraphiQL in its own React root (the rest of the console is Preact). Written without JSX so the
 * console's Preact JSX setting does not apply here.
 */
import { GraphiQL } from 'graphiql';
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';
import 'graphiql/style.css';

export function mountGraphiQL(el: HTMLElement, key: string): () => void {
  const fetcher = async (params: unknown) => {
    const res = await fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify(params),
    });
    return res.json();
  };
  const root = createRoot(el);
  root.render(createElement(GraphiQL, { fetcher, defaultQuery: '{\n  viewer {\n    name\n    role\n  }\n  segments {\n    id\n    name\n    size\n  }\n}\n' }));
  return () => root.unmount();
}
