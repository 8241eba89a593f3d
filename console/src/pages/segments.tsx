/**
 * Segments: the list with sizes and a sparkline of the last 30 days (one opens with its trend, versions
 * and members), a builder whose rule JSON is checked against segmentRuleSchema as it is typed and
 * previewed (size, and entering and leaving against a segment) before saving, and the tags.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { CreateSegmentDocument, PreviewSegmentDocument, SegmentListDocument, SegmentRuleSchemaDocument, type PreviewSegmentQuery, type SegmentListQuery } from '../generated/graphql.ts';
import { gql } from '../lib/api.ts';
import { time } from '../lib/format.ts';
import { blank, OPS, toRule, type Condition, type Op } from '../lib/rule.ts';
import { checkRuleJson, ruleChecker } from '../lib/rule-check.ts';
import { Sparkline } from '../lib/sparkline.tsx';
import { can, type Session } from '../lib/session.ts';
import { SegmentDetail } from './segment-detail.tsx';
import { TagList } from './tag-list.tsx';

function ConditionRow({ c, n, set, remove }: { c: Condition; n: number; set: (c: Condition) => void; remove: () => void }) {
  const label = `Condition ${n + 1}`;
  return (
    <fieldset class="condition">
      <legend>{label}</legend>
      <label>
        Kind{' '}
        <select value={c.kind} onChange={(e) => set(blank(e.currentTarget.value as Condition['kind']))}>
          <option value="attr">attribute</option>
          <option value="trait">trait</option>
          <option value="event">event count</option>
          <option value="hasTag">has tag</option>
          <option value="lastSeen">last seen</option>
        </select>
      </label>
      {c.kind === 'lastSeen' ? (
        <>
          <label>
            When{' '}
            <select value={c.older ? 'older' : 'newer'} onChange={(e) => set({ ...c, older: e.currentTarget.value === 'older' })}>
              <option value="older">more than</option>
              <option value="newer">less than</option>
            </select>
          </label>
          <label>
            Days ago <input type="number" min="0" value={c.days} onInput={(e) => set({ ...c, days: e.currentTarget.value })} />
          </label>
        </>
      ) : (
        <label>
          {c.kind === 'event' ? 'Event' : c.kind === 'hasTag' ? 'Tag key' : 'Name'} <input value={c.field} onInput={(e) => set({ ...c, field: e.currentTarget.value })} />
        </label>
      )}
      {(c.kind === 'attr' || c.kind === 'trait' || c.kind === 'event') && (
        <>
          <label>
            {c.kind === 'event' ? 'Count' : 'Operator'}{' '}
            <select value={c.op} onChange={(e) => set({ ...c, op: e.currentTarget.value as Op })}>
              {(c.kind === 'event' ? OPS.slice(0, 6) : OPS).map((o) => (
                <option key={o}>{o}</option>
              ))}
            </select>
          </label>
          {c.op !== 'exists' && (
            <label>
              Value <input value={c.value} onInput={(e) => set({ ...c, value: e.currentTarget.value })} />
            </label>
          )}
          {c.kind === 'event' && (
            <label>
              Within days <input type="number" min="1" value={c.withinDays} onInput={(e) => set({ ...c, withinDays: e.currentTarget.value })} />
            </label>
          )}
        </>
      )}
      <button type="button" onClick={remove} aria-label={`Remove ${label.toLowerCase()}`}>
        Remove
      </button>
    </fieldset>
  );
}

function Builder({ session, segments, onSaved }: { session: Session; segments: SegmentListQuery['segments']; onSaved: () => void }) {
  const [compareTo, setCompareTo] = useState('');
  const [join, setJoin] = useState<'and' | 'or'>('and');
  const [conditions, setConditions] = useState<Condition[]>([blank('event')]);
  const [json, setJson] = useState(() => JSON.stringify(toRule('and', [blank('event')]), null, 2));
  const [preview, setPreview] = useState<PreviewSegmentQuery['previewSegment'] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [schema, setSchema] = useState<unknown>(null);
  // The rule language is read once: the JSON view is checked against it on every keystroke.
  useEffect(() => {
    gql(session.key, SegmentRuleSchemaDocument).then((d) => setSchema(d.segmentRuleSchema), () => {});
  }, [session.key]);
  const check = useMemo(() => (schema ? ruleChecker(schema) : null), [schema]);
  const problem = check ? checkRuleJson(json, check) : null;
  const update = (j: 'and' | 'or', cs: Condition[]) => {
    setJoin(j);
    setConditions(cs);
    setJson(JSON.stringify(toRule(j, cs), null, 2));
    setPreview(null);
  };
  const parsed = (): unknown => {
    try {
      return JSON.parse(json);
    } catch (e) {
      throw new Error(`The JSON view does not parse: ${(e as Error).message}`);
    }
  };
  const run = async () => {
    setError(null);
    try {
      setPreview((await gql(session.key, PreviewSegmentDocument, { rule: parsed(), compareTo: compareTo || null })).previewSegment);
    } catch (e) {
      setPreview(null);
      setError((e as Error).message);
    }
  };
  const save = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      await gql(session.key, CreateSegmentDocument, { input: { name, rule: parsed() } });
      setName('');
      onSaved();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <section aria-labelledby="h-builder" class="card wide">
      <h2 id="h-builder">Build a segment</h2>
      <label>
        People matching{' '}
        <select value={join} onChange={(e) => update(e.currentTarget.value as 'and' | 'or', conditions)}>
          <option value="and">all of</option>
          <option value="or">any of</option>
        </select>
      </label>
      {conditions.map((c, i) => (
        <ConditionRow key={i} n={i} c={c} set={(c2) => update(join, conditions.map((x, j) => (j === i ? c2 : x)))} remove={() => update(join, conditions.filter((_, j) => j !== i))} />
      ))}
      <button type="button" onClick={() => update(join, [...conditions, blank('attr')])}>
        Add condition
      </button>
      <label for="rule-json">Rule (JSON; edit it directly for anything the builder does not offer)</label>
      <textarea
        id="rule-json"
        rows={8}
        value={json}
        onInput={(e) => (setJson(e.currentTarget.value), setPreview(null))}
        spellcheck={false}
        aria-invalid={problem ? 'true' : 'false'}
        aria-describedby="rule-json-check"
      />
      <p id="rule-json-check" aria-live="polite" class={problem ? 'error' : 'muted'} data-testid="rule-json-check">
        {!check ? 'Checking needs the rule language (loading…).' : problem ? (
          <>
            {problem.path && <code data-testid="rule-json-error-path">{problem.path}</code>} {problem.message}
          </>
        ) : (
          'The rule matches the rule language (the server checks again on Preview and Save).'
        )}
      </p>
      <details>
        <summary>The rule language (segmentRuleSchema)</summary>
        <pre>{schema ? JSON.stringify(schema, null, 2) : 'Loading…'}</pre>
      </details>
      <label>
        Compare with{' '}
        <select value={compareTo} onChange={(e) => (setCompareTo(e.currentTarget.value), setPreview(null))}>
          <option value="">no segment</option>
          {segments.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}
            </option>
          ))}
        </select>
      </label>{' '}
      <button type="button" onClick={run}>
        Preview
      </button>
      <div aria-live="polite">
        {error && (
          <p role="alert" class="error">
            {error}
          </p>
        )}
        {preview && (
          <p data-testid="preview">
            <strong>
              <span data-testid="preview-size">{preview.size}</span> people
            </strong>{' '}
            match now.
            {preview.entering != null && (
              <>
                {' '}
                Against the segment compared with: <span data-testid="preview-entering">{preview.entering}</span> would enter,{' '}
                <span data-testid="preview-leaving">{preview.leaving}</span> would leave.
              </>
            )}
          </p>
        )}
      </div>
      {can.operate(session) && (
        <form onSubmit={save} class="filters">
          <label>
            Name <input required value={name} onInput={(e) => setName(e.currentTarget.value)} />
          </label>
          <button type="submit">Save segment</button>
        </form>
      )}
    </section>
  );
}

export function SegmentsPage({ session }: { session: Session }) {
  const [list, setList] = useState<SegmentListQuery['segments'] | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const load = () => gql(session.key, SegmentListDocument).then((d) => setList(d.segments));
  useEffect(() => {
    void load();
  }, [session.key]);
  return (
    <>
      <h1>Segments</h1>
      <div class="grid">
        <section aria-labelledby="h-seglist" class="card wide">
          <h2 id="h-seglist">Segments</h2>
          <div class="table-scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Members</th>
                  <th scope="col">Last 30 days</th>
                  <th scope="col">Version</th>
                  <th scope="col">Updated</th>
                </tr>
              </thead>
              <tbody>
                {list?.map((s) => (
                  <tr key={s.id}>
                    <td>
                      <button type="button" class="link" onClick={() => setOpen(s.id)} aria-expanded={open === s.id}>
                        {s.name}
                      </button>
                    </td>
                    <td>{s.size}</td>
                    <td data-testid="segment-sparkline">
                      <Sparkline points={s.sizeTrend} />
                    </td>
                    <td>{s.version}</td>
                    <td>{time(s.updatedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
        {open && <SegmentDetail session={session} id={open} onClose={() => setOpen(null)} />}
        <Builder session={session} segments={list ?? []} onSaved={load} />
        <TagList session={session} />
      </div>
    </>
  );
}
