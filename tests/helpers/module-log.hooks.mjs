// Module hooks for tests/unit/cli-startup.test.ts: appends the URL of every module the process
// resolves to a file (registered by module-log.register.mjs with --import).
import { appendFileSync } from 'node:fs';

let file;

export function initialize(data) {
  file = data.file;
}

export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(file, `${resolved.url}\n`);
  return resolved;
}
