/**
 * Test files longest first. Two workers pull files in order, so a long file that starts last runs
 * alone at the end while the other worker sits idle. Vitest orders by the durations in its own cache,
 * but a clean clone (CI) has none and it falls back to file size, which says little here: a short
 * file that starts CLI processes runs for a minute and a half. tests/file-durations.json holds the
 * seconds of one full run on PostgreSQL and PGlite (refresh it with `npm run test:durations`); the
 * cache, when there is one, is newer and wins. A file in neither runs first, as vitest does it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const recorded: Record<string, number> = JSON.parse(readFileSync(path.join(import.meta.dirname, 'file-durations.json'), 'utf8'));

export class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const root = this.ctx.config.root;
    const seconds = (spec: TestSpecification): number => {
      const file = path.relative(root, spec.moduleId);
      const cached = this.ctx.cache.getFileTestResults(`${spec.project.name}:${file}`)?.duration;
      return cached !== undefined ? cached / 1000 : (recorded[file] ?? Number.POSITIVE_INFINITY);
    };
    return [...files].sort((a, b) => seconds(b) - seconds(a));
  }
}
