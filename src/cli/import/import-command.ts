/**
 * `cdp import customers|touchpoints FILE.csv`: streams a CSV through a column mapping into batches of
 * `upsertCustomers` / `recordTouchpoints` sent to a running server's GraphQL API. It never opens the
 * database: an embedded PGlite directory belongs to the one server process that has it open.
 *
 * Exit status: 0 when every batch was delivered (rows the server or the mapping refused are reported,
 * with their CSV line numbers, but do not fail the import); 1 when a request failed (network, HTTP,
 * GraphQL) or the file cannot be read; 2 for a bad command line, mapping or header.
 */
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { parse } from 'csv-parse';
import type { CustomerInput } from '../../modules/customers/customer.inputs.ts';
import type { TouchpointInput } from '../../modules/touchpoints/touchpoint.inputs.ts';
import { GraphQLClient, TransportError } from './graphql-client.ts';
import {
  buildMapping,
  checkHeader,
  MappingError,
  mapRow,
  parseAssignments,
  parseMappingFile,
  type ImportKind,
  type Mapping,
  type MappingOptions,
} from './mapping.ts';

export const DEFAULT_URL = 'http://localhost:4000/graphql';
export const DEFAULT_BATCH = 500;
/** The server's limit for both mutations. */
export const MAX_BATCH = 1000;
const ERRORS_KEPT = 10;
const PLAIN_PROGRESS_EVERY_MS = 2000;

export interface ImportOptions {
  kind: ImportKind;
  file: string;
  url: string;
  token?: string;
  batch: number;
  delimiter: string;
  map: string[];
  set: string[];
  channelMap: string[];
  mapFile?: string;
  retries: number;
  dryRun?: boolean;
  json?: boolean;
}

export interface RowErrorReport {
  /** Line in the CSV file where the row starts (the header is line 1). */
  line: number;
  field: string | null;
  code: string;
  message: string;
  /** false: refused before sending (mapping); true: the server refused it. */
  sent: boolean;
}

export interface ImportSummary {
  kind: ImportKind;
  file: string;
  rows: number;
  sent: number;
  notSent: number;
  batches: number;
  seconds: number;
  customers?: { created: number; updated: number; unchanged: number; failed: number };
  touchpoints?: { accepted: number; duplicates: number; quarantined: number; dropped: number };
  /** How many row errors, by code (client codes, server error codes, or quarantine reasons). */
  errorCounts: Record<string, number>;
  /** The first few. */
  errors: RowErrorReport[];
  /** Set when the import stopped early. */
  fatal?: string;
  dryRun?: boolean;
}

export class UsageError extends Error {}

interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Whether stderr is a terminal (progress bar) or not (plain progress lines). */
  tty: boolean;
}

const defaultIo: Io = {
  out: (l) => process.stdout.write(l + '\n'),
  err: (l) => process.stderr.write(l + '\n'),
  tty: Boolean(process.stderr.isTTY),
};

/** Reads the options into a checked mapping; throws UsageError / MappingError. */
export async function loadMapping(o: Pick<ImportOptions, 'kind' | 'map' | 'set' | 'channelMap' | 'mapFile'>): Promise<Mapping> {
  const layers: MappingOptions[] = [];
  if (o.mapFile) {
    let text: string;
    try {
      text = await readFile(o.mapFile, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read --map-file ${o.mapFile}: ${(err as Error).message}`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new UsageError(`--map-file ${o.mapFile} is not JSON: ${(err as Error).message}`);
    }
    layers.push(parseMappingFile(json, o.mapFile));
  }
  layers.push({ map: parseAssignments(o.map, '--map'), set: parseAssignments(o.set, '--set'), channelMap: parseAssignments(o.channelMap, '--channel-map') });
  return buildMapping(o.kind, layers);
}

const newlines = (fields: readonly string[]) => fields.reduce((n, f) => n + (f.match(/\r\n|\r|\n/g)?.length ?? 0), 0);

/**
 * The records of a CSV stream (the header first), each with the line it starts on and how far into
 * the input it ends. Parsed by csv-parse (quotes, embedded newlines, BOM); empty lines and lines of
 * only delimiters are skipped; a record with the wrong number of fields is still yielded (the caller
 * reports it). A syntax error (an unclosed quote) rejects with csv-parse's CSV_* error.
 */
export async function* csvRecords(input: Readable, delimiter: string): AsyncGenerator<{ line: number; record: string[]; bytes: number }> {
  const parser = parse({ delimiter, bom: true, skip_empty_lines: true, relax_column_count: true, info: true });
  input.on('error', (err) => parser.destroy(err));
  input.pipe(parser);
  let nextLine = 1;
  let seenEmpty = 0;
  let seenComments = 0;
  for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { bytes: number; empty_lines: number; comment_lines: number } }>) {
    // Where the record starts, counted here rather than taken from csv-parse, whose line count is
    // where the record ends (and counts a CRLF inside quotes twice).
    const line = nextLine + (info.empty_lines - seenEmpty) + (info.comment_lines - seenComments);
    seenEmpty = info.empty_lines;
    seenComments = info.comment_lines;
    nextLine = line + 1 + newlines(record);
    if (record.every((f) => f.trim() === '')) continue; // a line of only delimiters
    yield { line, record, bytes: info.bytes };
  }
}

export async function runImport(o: ImportOptions, io: Io = defaultIo): Promise<ImportSummary> {
  if (!Number.isInteger(o.batch) || o.batch < 1 || o.batch > MAX_BATCH) throw new UsageError(`--batch must be a whole number from 1 to ${MAX_BATCH}`);
  if (!Number.isInteger(o.retries) || o.retries < 0) throw new UsageError('--retries must be a whole number ≥ 0');
  try {
    const u = new URL(o.url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error();
  } catch {
    throw new UsageError(`--url ${JSON.stringify(o.url)} is not an http(s) URL`);
  }
  const mapping = await loadMapping(o);
  let size: number;
  try {
    size = (await stat(o.file)).size;
  } catch (err) {
    throw new UsageError(`cannot read ${o.file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }

  const started = Date.now();
  const summary: ImportSummary = {
    kind: o.kind,
    file: o.file,
    rows: 0,
    sent: 0,
    notSent: 0,
    batches: 0,
    seconds: 0,
    ...(o.kind === 'customers'
      ? { customers: { created: 0, updated: 0, unchanged: 0, failed: 0 } }
      : { touchpoints: { accepted: 0, duplicates: 0, quarantined: 0, dropped: 0 } }),
    errorCounts: {},
    errors: [],
    ...(o.dryRun ? { dryRun: true } : {}),
  };
  // Keeps the first few by line: a batch's server errors arrive after the mapping errors of later rows.
  const rowError = (e: RowErrorReport) => {
    summary.errorCounts[e.code] = (summary.errorCounts[e.code] ?? 0) + 1;
    summary.errors.push(e);
    summary.errors.sort((a, b) => a.line - b.line);
    if (summary.errors.length > ERRORS_KEPT) summary.errors.pop();
  };

  const client = new GraphQLClient({
    url: o.url,
    token: o.token,
    retries: o.retries,
    // On a terminal, start below the progress bar rather than over it.
    onRetry: (err, attempt, delay) => io.err(`${io.tty ? '\n' : ''}cdp import: ${err.message} (retry ${attempt} of ${o.retries} in ${(delay / 1000).toFixed(1)} s)`),
  });

  // Progress: a bar over the file's bytes on a terminal, a line every few seconds otherwise.
  let bytes = 0;
  const status = () => {
    const c = summary.customers;
    const t = summary.touchpoints;
    const counts = c
      ? `created ${c.created}, updated ${c.updated}, unchanged ${c.unchanged}, failed ${c.failed}`
      : `accepted ${t!.accepted}, duplicates ${t!.duplicates}, quarantined ${t!.quarantined}`;
    return `${summary.rows} rows, ${summary.sent} sent (${counts}${summary.notSent ? `, not sent ${summary.notSent}` : ''})`;
  };
  const bar = io.tty
    ? new cliProgress.SingleBar(
        { format: `${o.kind} |{bar}| {percentage}% | {status}`, hideCursor: true, stream: process.stderr, etaBuffer: 50 },
        cliProgress.Presets.shades_classic,
      )
    : null;
  bar?.start(Math.max(size, 1), 0, { status: status() });
  let lastLine = Date.now();
  const progress = () => {
    if (bar) return bar.update(bytes, { status: status() });
    if (Date.now() - lastLine < PLAIN_PROGRESS_EVERY_MS) return;
    lastLine = Date.now();
    io.err(`import ${o.kind}: ${size ? Math.floor((100 * bytes) / size) : 100}% ${status()}`);
  };

  const sample: unknown[] | undefined = o.dryRun ? [] : undefined;
  const send = async (inputs: (CustomerInput | TouchpointInput)[], lines: number[]): Promise<void> => {
    if (sample) {
      if (sample.length < 3) sample.push(...inputs.slice(0, 3 - sample.length));
      summary.batches++;
      return;
    }
    try {
      if (o.kind === 'customers') {
        const r = await client.upsertCustomers(inputs as CustomerInput[]);
        const c = summary.customers!;
        c.created += r.created;
        c.updated += r.updated;
        c.unchanged += r.unchanged;
        c.failed += r.failed;
        for (const e of r.errors) rowError({ line: lines[e.index]!, field: e.field, code: e.code, message: e.message, sent: true });
      } else {
        const r = await client.recordTouchpoints(inputs as TouchpointInput[]);
        const t = summary.touchpoints!;
        t.accepted += r.accepted;
        t.duplicates += r.duplicates;
        t.quarantined += r.quarantined;
        t.dropped += r.dropped;
        for (const x of r.results)
          if (x.status === 'QUARANTINED')
            rowError({ line: lines[x.index]!, field: null, code: x.reason ?? 'quarantined', message: x.message ?? x.reason ?? 'quarantined', sent: true });
      }
      summary.sent += inputs.length;
      summary.batches++;
    } catch (err) {
      // Over the server's body limit: halve the batch until it fits (a single row that does not is reported).
      if (err instanceof TransportError && err.status === 413) {
        if (inputs.length === 1) {
          summary.notSent++;
          return rowError({ line: lines[0]!, field: null, code: 'TOO_LARGE', message: 'the row is larger than the server accepts in one request', sent: false });
        }
        const half = Math.ceil(inputs.length / 2);
        await send(inputs.slice(0, half), lines.slice(0, half));
        return send(inputs.slice(half), lines.slice(half));
      }
      throw err;
    }
  };

  const input = createReadStream(o.file);
  let header: string[] | null = null;
  let batch: (CustomerInput | TouchpointInput)[] = [];
  let batchLines: number[] = [];
  try {
    for await (const { line, record, bytes: at } of csvRecords(input, o.delimiter)) {
      bytes = at;
      if (!header) {
        header = record.map((h) => h.trim());
        const problems = checkHeader(mapping, header);
        if (problems.length) throw new MappingError(problems);
        continue;
      }
      summary.rows++;
      if (record.length !== header.length) {
        summary.notSent++;
        rowError({ line, field: null, code: 'FIELD_COUNT', message: `${record.length} fields where the header has ${header.length}`, sent: false });
        continue;
      }
      const row: Record<string, string> = {};
      header.forEach((h, i) => (row[h] = record[i]!));
      const mapped = mapRow(mapping, row);
      if (!mapped.ok) {
        summary.notSent++;
        for (const e of mapped.errors) rowError({ line, field: e.field, code: e.code, message: e.message, sent: false });
        continue;
      }
      batch.push(mapped.input);
      batchLines.push(line);
      if (batch.length >= o.batch) {
        await send(batch, batchLines);
        batch = [];
        batchLines = [];
        progress();
      } else if (summary.rows % 1000 === 0) progress();
    }
    if (!header) throw new UsageError(`${o.file} is empty (no header line)`);
    if (batch.length) await send(batch, batchLines);
    bytes = size;
    progress();
  } catch (err) {
    if (err instanceof MappingError || err instanceof UsageError) throw err;
    summary.fatal =
      err instanceof TransportError
        ? err.message + authHint(err)
        : (err as { code?: string }).code?.startsWith('CSV_')
          ? `cannot read ${o.file}: ${(err as Error).message}`
          : (err as Error).message;
  } finally {
    bar?.stop();
    input.destroy();
    summary.seconds = Math.round((Date.now() - started) / 100) / 10;
  }
  if (sample) for (const s of sample) io.out(JSON.stringify(s));
  return summary;
}

function authHint(err: TransportError): string {
  return err.status === 401 || err.status === 403 ? ' (is --token right?)' : '';
}

export function formatSummary(s: ImportSummary): string[] {
  const out: string[] = [];
  const head = s.dryRun ? `dry run of ${s.kind} from ${s.file}` : `${s.kind} from ${s.file}`;
  out.push(`${head}: ${s.rows} rows read, ${s.dryRun ? 'would send' : 'sent'} ${s.dryRun ? s.rows - s.notSent : s.sent} in ${s.batches} batches (${s.seconds} s)`);
  if (!s.dryRun && s.customers) {
    const c = s.customers;
    out.push(`  created ${c.created}, updated ${c.updated}, unchanged ${c.unchanged}, failed ${c.failed}, not sent ${s.notSent}`);
  }
  if (!s.dryRun && s.touchpoints) {
    const t = s.touchpoints;
    out.push(`  accepted ${t.accepted}, duplicates ${t.duplicates}, quarantined ${t.quarantined}, dropped ${t.dropped}, not sent ${s.notSent}`);
  }
  if (s.dryRun) out.push(`  not sendable ${s.notSent}`);
  const total = Object.values(s.errorCounts).reduce((a, b) => a + b, 0);
  if (total) {
    const byCode = Object.entries(s.errorCounts)
      .sort((a, b) => b[1] - a[1])
      .map(([code, n]) => `${code} ${n}`)
      .join(', ');
    out.push(`row errors: ${total} (${byCode}); the first ${s.errors.length}:`);
    for (const e of s.errors)
      out.push(`  line ${e.line}: ${e.field ? `${e.field}: ` : ''}${e.message} [${e.code}]${e.sent ? '' : ' (not sent)'}`);
  }
  return out;
}

const collect = (v: string, prev: string[]) => [...prev, v];
const integer = (v: string) => (/^\d+$/.test(v.trim()) ? Number(v) : Number.NaN);
const delimiter = (v: string) => (v === '\\t' || v.toLowerCase() === 'tab' ? '\t' : v);

export function registerImportCommand(program: Command): void {
  const cmd = program
    .command('import')
    .description("load a CSV file into a running server through its GraphQL API (it never opens the database)");

  for (const kind of ['customers', 'touchpoints'] as const) {
    const fields =
      kind === 'customers'
        ? 'externalId, source, email, phone, firstName, lastName, name, gender, birthday, country, city, company, identity.<TYPE>, trait.<key>'
        : 'messageId (required), type, event, channel, source, userId, anonymousId, occurredAt, revenue, currency, identity.<TYPE>, property.<key>';
    const sub = cmd
      .command(kind)
      .description(kind === 'customers' ? 'upsert customers (upsertCustomers), one per row' : 'record touchpoints (recordTouchpoints), one per row')
      .argument('<file>', 'CSV file with a header line')
      .option('--map <field=column>', `take a field from a column, or a template such as "lead-{id}" (repeatable); fields: ${fields}`, collect, [])
      .option('--set <field=value>', 'give a field the same value on every row (repeatable), e.g. --set source=crm', collect, [])
      .option('--map-file <file.json>', 'mapping as JSON: {"map": {...}, "set": {...}, "channelMap": {...}} or a flat {"field": "column"}; flags override it');
    if (kind === 'touchpoints')
      sub.option('--channel-map <value=CHANNEL>', 'translate channel values (repeatable), e.g. paid_search=SEARCH; "=OTHER" for empty cells, "*=OTHER" for anything unlisted', collect, []);
    sub
      .option('--url <url>', 'GraphQL endpoint of the running server', DEFAULT_URL)
      .option('--token <token>', 'sent as Authorization: Bearer <token>')
      .option('--batch <n>', `rows per request (at most ${MAX_BATCH})`, integer, DEFAULT_BATCH)
      .option('--delimiter <char>', 'field delimiter (\\t or "tab" for tabs)', delimiter, ',')
      .option('--retries <n>', 'extra tries for a batch after a network error, timeout or 5xx (safe: both mutations are idempotent)', integer, 3)
      .option('--dry-run', 'read and map the file and report row errors, but send nothing (prints the first mapped rows)')
      .option('--json', 'print the summary as JSON')
      .action(async (file: string, opts: Omit<ImportOptions, 'kind' | 'file' | 'channelMap'> & { channelMap?: string[] }) => {
        process.exitCode = await importAction({ ...opts, channelMap: opts.channelMap ?? [], kind, file });
      });
  }
}

/** Runs one import and prints its outcome; returns the exit status. */
export async function importAction(o: ImportOptions, io: Io = defaultIo): Promise<number> {
  let summary: ImportSummary;
  try {
    summary = await runImport(o, io);
  } catch (err) {
    if (err instanceof MappingError || err instanceof UsageError) {
      for (const line of err.message.split('\n')) io.err(`cdp import: ${line}`);
      return 2;
    }
    throw err;
  }
  if (o.json) io.out(JSON.stringify(summary));
  else for (const line of formatSummary(summary)) io.out(line);
  if (summary.fatal) {
    io.err(`cdp import: ${summary.fatal}`);
    if (summary.sent) io.err(`cdp import: ${summary.sent} rows were delivered before this; running the same import again is safe (it is idempotent)`);
    return 1;
  }
  return 0;
}
