/**
 * Writes tests/file-durations.json (seconds per test file, longest first) from a vitest JSON report,
 * for tests/sequencer.ts. Run on both databases so the figures are CI's:
 *   TEST_DATABASE_URL=... REDIS_URL=... npx vitest run --reporter=json --outputFile=/tmp/vitest.json
 *   npm run test:durations -- /tmp/vitest.json
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const report = process.argv[2];
if (!report) {
  console.error('usage: npm run test:durations -- <vitest JSON report>');
  process.exit(2);
}
const root = path.resolve(import.meta.dirname, '..');
const { testResults } = JSON.parse(readFileSync(report, 'utf8')) as { testResults: { name: string; startTime: number; endTime: number }[] };
const seconds = testResults
  .map((f) => [path.relative(root, f.name), Math.round((f.endTime - f.startTime) / 100) / 10] as const)
  .sort((a, b) => b[1] - a[1]);
writeFileSync(path.join(root, 'tests/file-durations.json'), `${JSON.stringify(Object.fromEntries(seconds), null, 2)}\n`);
console.log(`tests/file-durations.json: ${seconds.length} files`);
