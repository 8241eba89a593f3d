import { pino, type Logger } from 'pino';
import type { Config } from './config/env.ts';

export type { Logger };

/**
 * Structured JSON logs. PII never goes in at info level: log ids and counts, not emails or phones.
 * The redact list is a safety net for fields that slip through.
 */
export function createLogger(config: Pick<Config, 'logLevel'>): Logger {
  return pino({
    level: config.logLevel,
    base: { service: 'cdp' },
    redact: { paths: ['*.email', '*.phone', '*.password', 'req.headers.authorization'], censor: '[redacted]' },
  });
}
