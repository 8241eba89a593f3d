/** The tag catalogue with how many people hold each tag. */
import { useEffect, useState } from 'preact/hooks';
import { TagListDocument, type TagListQuery } from '../generated/graphql.ts';
import { gql } from '../lib/api.ts';
import type { Session } from '../lib/session.ts';

export function TagList({ session }: { session: Session }) {
  const [tags, setTags] = useState<TagListQuery['tags'] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    gql(session.key, TagListDocument).then((d) => setTags(d.tags), (e: Error) => setError(e.message));
  }, [session.key]);
  return (
    <section aria-labelledby="h-tags" class="card wide">
      <h2 id="h-tags">Tags</h2>
      {error && <p role="alert" class="error">{error}</p>}
      {tags && tags.length === 0 && <p>No tags yet.</p>}
      {tags && tags.length > 0 && (
        <table data-testid="tag-list">
          <thead>
            <tr>
              <th scope="col">Key</th>
              <th scope="col">Name</th>
              <th scope="col">Kind</th>
              <th scope="col">Category</th>
              <th scope="col">People</th>
            </tr>
          </thead>
          <tbody>
            {tags.map((t) => (
              <tr key={t.id}>
                <td>
                  <code>{t.key}</code>
                </td>
                <td>{t.name}</td>
                <td>{t.kind}</td>
                <td>{t.category ?? '—'}</td>
                <td>{t.memberCount}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
