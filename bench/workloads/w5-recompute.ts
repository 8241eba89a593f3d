/**
 * W5 recompute: full recompute of a set of 20 segments (bench/baselines/b6-segment-sql.ts) over the
 * read data set of W2 (bulk-loaded customers, tags and touchpoints), through the segment service's
 * `recompute` — the rule compiled to one SQL query, then the membership brought to it (insert the
 * missing, delete the extra) with the outbox written, in one transaction under the outbox lock, which is
 * exactly what the scheduler does for time-dependent segments. Against B6: the same memberships
 * computed by one hand-written SQL statement per segment through node-postgres.
 *
 * The segments are created through the service first (that computes their membership: timed and kept
 * in the details as the cold compute), then every B6 statement must return exactly the members the
 * server stored, or the workload fails before anything is timed. Then `recomputeRounds` rounds, each
 * recomputing the whole set through the server and through B6 (alternating which goes first); the
 * figure is the median round. Each round also times the compiled queries alone (run through Prisma,
 * without the membership writes), so the details show where the server's time goes.
 */
import { compileMembers } from '../../src/modules/segments/rules/rule.compiler.sql.ts';
import { parseRule } from '../../src/modules/segments/rules/rule.schema.ts';
import { B6_SEGMENTS } from '../baselines/b6-segment-sql.ts';
import type { BenchContext } from '../lib/context.ts';
import { loadReadDataset } from '../lib/dataset.ts';
import { row, type ResultRow } from '../lib/report.ts';
import { median, timed } from '../lib/timing.ts';


export async function runW5(ctx: BenchContext): Promise<ResultRow[]> {
  const { scale } = ctx;
  ctx.log(`  W5 data set: ${scale.readCustomers} customers, ~${scale.readCustomers * scale.readTouchpointsPerCustomer} touchpoints (bulk load)`);
  const data = await loadReadDataset(ctx, { customers: scale.readCustomers, touchpointsPerCustomer: scale.readTouchpointsPerCustomer });
  ctx.log(`  W5 data set loaded in ${data.seconds.toFixed(1)} s (${data.touchpoints} touchpoints)`);
  const now = ctx.now;
  const segments = ctx.server.services.segments;

  // Cold: creating each segment computes its membership from nothing (all members ENTER).
  const created: { id: string; name: string; sql: string; createMs: number }[] = [];
  for (const s of B6_SEGMENTS) {
    const { ms, value } = await timed(() => segments.create({ name: s.name, rule: s.rule }));
    created.push({ id: value.id, name: s.name, sql: s.sql, createMs: ms });
  }

  const b6 = (s: { sql: string }) => ctx.sql.query<{ id: string }>(s.sql, s.sql.includes('$1') ? [now.toISOString()] : []);
  const stored = async (id: string) => (await ctx.sql.query<{ id: string }>(`SELECT customer_id::text AS id FROM segment_membership WHERE segment_id = $1::uuid`, [id])).map((r) => r.id);

  // The baseline must compute exactly what the server stored, or the comparison means nothing.
  const sizes: Record<string, number> = {};
  for (const s of created) {
    const ours = new Set(await stored(s.id));
    const theirs = new Set((await b6(s)).map((r) => String(r.id)));
    const missing = [...ours].filter((id) => !theirs.has(id));
    const extra = [...theirs].filter((id) => !ours.has(id));
    if (missing.length || extra.length) {
      throw new Error(`W5: B6 and the server disagree on "${s.name}": server ${ours.size} members, B6 ${theirs.size}; only the server: ${missing.slice(0, 5).join(', ')}; only B6: ${extra.slice(0, 5).join(', ')}`);
    }
    if (ours.size === 0) ctx.log(`  warning: "${s.name}" has no member on this data set`);
    sizes[s.name] = ours.size;
  }
  const totalMembers = Object.values(sizes).reduce((a, b) => a + b, 0);
  ctx.log(`  W5: ${created.length} segments, ${totalMembers} memberships; B6 agrees with every one`);

  const compiled = created.map((s) => {
    const parsed = parseRule(B6_SEGMENTS.find((b) => b.name === s.name)!.rule);
    if (!parsed.ok) throw new Error(`W5: rule of "${s.name}" does not parse: ${parsed.message}`);
    return compileMembers(parsed.rule, { now });
  });

  const recomputeAll = async () => {
    let changes = 0;
    for (const s of created) {
      const r = await segments.recompute(s.id);
      changes += r.entered + r.left;
    }
    return changes;
  };
  const b6All = async () => {
    let rows = 0;
    for (const s of created) rows += (await b6(s)).length;
    return rows;
  };
  const compiledAll = async () => {
    let rows = 0;
    for (const q of compiled) rows += (await ctx.db.prisma.$queryRaw<{ id: string }[]>(q)).length;
    return rows;
  };

  // Warm-up, then rounds alternating which side goes first.
  await recomputeAll();
  await b6All();
  await compiledAll();
  const rounds: { serverMs: number; b6Ms: number; compiledMs: number; changes: number }[] = [];
  for (let i = 0; i < scale.recomputeRounds; i++) {
    ctx.log(`  W5 round ${i + 1}/${scale.recomputeRounds}: recompute ${created.length} segments, and B6`);
    const server = async () => timed(() => ctx.profiler.phase(`W5-recompute-${i}`, recomputeAll));
    const base = async () => timed(() => ctx.profiler.phase(`W5-B6-${i}`, b6All));
    let sv: Awaited<ReturnType<typeof server>>;
    let b: Awaited<ReturnType<typeof base>>;
    if (i % 2 === 0) {
      sv = await server();
      b = await base();
    } else {
      b = await base();
      sv = await server();
    }
    const c = await timed(compiledAll);
    if (b.value !== totalMembers) throw new Error(`W5: B6 returned ${b.value} rows in round ${i + 1}, expected ${totalMembers}`);
    if (c.value !== totalMembers) throw new Error(`W5: the compiled queries returned ${c.value} rows in round ${i + 1}, expected ${totalMembers}`);
    rounds.push({ serverMs: sv.ms, b6Ms: b.ms, compiledMs: c.ms, changes: sv.value });
  }
  const serverMs = median(rounds.map((r) => r.serverMs));
  const b6Ms = median(rounds.map((r) => r.b6Ms));
  return [
    row({
      workload: 'W5',
      name: `full recompute of ${created.length} segments (${data.customers} customers, ${data.touchpoints} touchpoints)`,
      figure: serverMs,
      unit: 'ms',
      baseline: { name: 'B6 hand-written SQL', figure: b6Ms },
      better: 'lower',
      details: {
        customers: data.customers,
        touchpoints: data.touchpoints,
        segments: created.length,
        memberships: totalMembers,
        sizes,
        coldCreateMs: created.reduce((n, s) => n + s.createMs, 0),
        compiledQueriesAloneMs: median(rounds.map((r) => r.compiledMs)),
        rounds,
      },
    }),
  ];
}
