// `node --import ./tests/helpers/module-log.register.mjs ...` with MODULE_LOG=FILE: every module the
// process resolves is appended to FILE (module-log.hooks.mjs).
import { register } from 'node:module';

register('./module-log.hooks.mjs', import.meta.url, { data: { file: process.env.MODULE_LOG } });
