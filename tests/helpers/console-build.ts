/** vitest globalSetup: the console is built (when its sources changed) once before any test runs. */
import { buildConsole } from '../../scripts/console-build.ts';

export default async function setup() {
  await buildConsole();
}
