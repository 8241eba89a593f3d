/**
 * Summarises a V8 .cpuprofile: where self time goes by area (our src/ modules, each npm package, node
 * internals, GC, idle) and the top functions by self time. With a <phase>.sql.json beside it (written by
 * `npm run bench -- --cpu-prof`), also the SQL statement shapes by the time Prisma reports for them.
 *
 *   npx tsx bench/tools/cpuprofile-summary.ts bench/results/profiles/W1-graphql.cpuprofile [--top 25]
 */
import { existsSync, readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export function area(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (!url) {
    if (functionName === '(garbage collector)') return '(gc)';
    if (functionName === '(idle)') return '(idle: waiting on I/O, e.g. the database)';
    if (functionName === '(program)') return '(program: V8/native, not attributed)';
    return `(native) ${functionName || 'anonymous'}`;
  }
  const nm = url.lastIndexOf('/node_modules/');
  if (nm !== -1) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/');
    return `npm:${rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  if (url.startsWith('node:')) return 'node internals';
  const src = url.match(/\/(src|bench)\/(.*)$/);
  if (src) {
    const parts = src[2]!.split('/');
    return `${src[1]}/${parts.length > 2 ? parts.slice(0, 2).join('/') : parts.slice(0, -1).join('/') || parts[0]}`;
  }
  return url;
}

export function summarise(profile: CpuProfile, top = 25): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) self.set(profile.samples[i]!, (self.get(profile.samples[i]!) ?? 0) + (profile.timeDeltas[i] ?? 0));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const areas = new Map<string, number>();
  const fns = new Map<string, number>();
  for (const [id, us] of self) {
    const f = byId.get(id)!.callFrame;
    const a = area(f);
    areas.set(a, (areas.get(a) ?? 0) + us);
    const file = f.url ? f.url.replace(/^.*\/node_modules\//, '').replace(/^file:\/\/.*?\/(src|bench)\//, '$1/') : '';
    const key = `${f.functionName || '(anonymous)'}  ${file}${f.url ? `:${f.lineNumber + 1}` : ''}`;
    fns.set(key, (fns.get(key) ?? 0) + us);
  }
  const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
  const ms = (us: number) => `${(us / 1000).toFixed(0).padStart(7)} ms`;
  const lines = [`profile: ${(total / 1e6).toFixed(2)} s sampled`, '', 'self time by area:'];
  for (const [a, us] of [...areas].sort((x, y) => y[1] - x[1]).slice(0, top)) lines.push(`  ${pct(us)} ${ms(us)}  ${a}`);
  lines.push('', `top ${top} functions by self time:`);
  for (const [k, us] of [...fns].sort((x, y) => y[1] - x[1]).slice(0, top)) lines.push(`  ${pct(us)} ${ms(us)}  ${k}`);
  return lines.join('\n');
}

function sqlSummary(file: string, top: number): string {
  const { wallMs, statements } = JSON.parse(readFileSync(file, 'utf8')) as { wallMs: number; statements: { sql: string; count: number; totalMs: number }[] };
  const sum = statements.reduce((a, s) => a + s.totalMs, 0);
  const lines = [`SQL (as Prisma times it, summed over concurrent statements): ${(sum / 1000).toFixed(2)} s in a ${(wallMs / 1000).toFixed(2)} s phase`];
  for (const s of statements.slice(0, top)) lines.push(`  ${(s.totalMs / 1000).toFixed(2).padStart(6)} s ${String(s.count).padStart(6)}×  ${s.sql.slice(0, 110)}`);
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: npx tsx bench/tools/cpuprofile-summary.ts <file.cpuprofile> [--top N]');
    process.exit(2);
  }
  const topIdx = process.argv.indexOf('--top');
  const top = topIdx > 0 ? Number(process.argv[topIdx + 1]) : 25;
  console.log(summarise(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, top));
  const sqlFile = file.replace(/\.cpuprofile$/, '.sql.json');
  if (existsSync(sqlFile)) console.log(`\n${sqlSummary(sqlFile, 15)}`);
}
