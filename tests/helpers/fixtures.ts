import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';

const dir = path.resolve(import.meta.dirname, '../fixtures');

/** Rows of a CSV fixture as objects keyed by the header. */
export function readCsv(file: string, delimiter = ','): Record<string, string>[] {
  return parse(readFileSync(path.join(dir, file)), { columns: true, delimiter, skip_empty_lines: true, bom: true });
}
