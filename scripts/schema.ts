/** Writes schema.graphql from the code (`write`), or fails when the committed file is stale (`check`). */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { printAppSchema } from '../src/graphql/schema.ts';

const file = path.resolve(import.meta.dirname, '../schema.graphql');
const sdl = await printAppSchema();
if (process.argv[2] === 'check') {
  const committed = await readFile(file, 'utf8').catch(() => '');
  if (committed !== sdl) {
    console.error('schema.graphql is stale: run `npm run schema:emit` and commit it.');
    process.exit(1);
  }
  console.log('schema.graphql is up to date');
} else {
  await writeFile(file, sdl);
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
}
