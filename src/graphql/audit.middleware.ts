/**
 * `@UseMiddleware(Audited())` on every mutation (and on privacy reads): after the operation runs, one
 * audit entry with the key, the operation name, the target record and the outcome (ok or the error
 * code). Targets and details are ids and counts picked from the arguments — never personal data.
 * The entry is written before the answer leaves, so an acknowledged mutation is always on record.
 * Mutations refused by the auth checker (which runs before any middleware) are recorded there, with
 * outcome FORBIDDEN: refused attempts are what an audit is most often read for.
 */
import type { MiddlewareFn, ResolverData } from 'type-graphql';
import { isDatabaseUnavailable } from '../db/unavailable.ts';
import { ErrorCode } from '../errors.ts';
import type { Context } from './context.ts';

type Args = Record<string, unknown>;
export interface AuditSpec {
  target?: (args: Args, result: unknown) => string | null;
}

/** Arguments that name the record an operation acts on, in order of preference. */
const TARGET_ARGS = ['id', 'mergeId', 'key', 'tagKey', 'customerId'] as const;

export function defaultTarget(args: Args, result: unknown): string | null {
  if (typeof args.winnerId === 'string' && typeof args.loserId === 'string') return `${args.loserId}->${args.winnerId}`;
  for (const k of TARGET_ARGS) if (typeof args[k] === 'string') return args[k] as string;
  const id = (result as { id?: unknown } | null)?.id;
  return typeof id === 'string' ? id : null;
}

/** Sizes of list arguments (rows, events, ids): what a batch was, without what it held. */
export function defaultDetails(args: Args): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(args)) if (Array.isArray(v)) out[`${k}Count`] = v.length;
  return out;
}

function errorCode(e: unknown): string {
  const code = (e as { extensions?: { code?: unknown } } | null)?.extensions?.code;
  return typeof code === 'string' ? code : ErrorCode.INTERNAL_SERVER_ERROR;
}

/** Writes one entry for a mutation the key attempted; used by Audited and by the auth checker for refusals. */
export function writeAudit(
  { args, context, info }: Pick<ResolverData<Context>, 'args' | 'context' | 'info'>,
  outcome: string,
  result: unknown,
  spec: AuditSpec = {},
): Promise<void> {
  return context.services.audit.record({
    apiKeyId: context.auth.id,
    actor: context.auth.name,
    action: info.fieldName,
    target: (spec.target ?? defaultTarget)(args, result),
    outcome,
    requestId: context.requestId,
    details: defaultDetails(args),
  });
}

export function Audited(spec: AuditSpec = {}): MiddlewareFn<Context> {
  return async (data: ResolverData<Context>, next) => {
    let result: unknown;
    try {
      result = await next();
    } catch (e) {
      // Nothing was written, and the entry could not be either: do not make the caller wait twice.
      if (isDatabaseUnavailable(e)) throw e;
      await writeAudit(data, errorCode(e), null, spec).catch((err) => data.context.logger.error({ err }, 'audit write failed'));
      throw e;
    }
    await writeAudit(data, 'ok', result, spec);
    return result;
  };
}
