/**
 * `@UseMiddleware(Audited())` on every mutation (and on privacy reads): after the operation runs, one
 * audit entry with the key, the operation name, the target record and the outcome (ok or the error
 * code). Targets and details are ids and counts picked from the arguments — never personal data.
 * The entry is written before the answer leaves, after the mutation committed (each service owns
 * its transaction). A mutation's answer is never changed by the audit: a committed createApiKey that
 * answered an error would lose its one-time secret, and a client told "failed" about a committed
 * write would retry it. So a failed audit write is logged at error level with the whole entry (ids
 * and counts only, so the line can be replayed into the table) and counted in
 * cdp_audit_write_failures_total, and the committed answer goes out. Audited reads (privacy exports)
 * commit nothing, so they fail closed: no entry, no personal data handed out.
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

type AuditData = Pick<ResolverData<Context>, 'args' | 'context' | 'info'>;

function entryOf({ args, context, info }: AuditData, outcome: string, result: unknown, spec: AuditSpec) {
  return {
    apiKeyId: context.auth.id,
    actor: context.auth.name,
    action: info.fieldName,
    target: (spec.target ?? defaultTarget)(args, result),
    outcome,
    requestId: context.requestId,
    details: defaultDetails(args),
  };
}

/**
 * Writes one entry for an operation the key attempted; used by Audited and by the auth checker for
 * refusals. Never throws for a mutation (see the file comment); for an audited read, a failed write
 * is logged, counted and rethrown.
 */
export async function writeAudit(data: AuditData, outcome: string, result: unknown, spec: AuditSpec = {}): Promise<void> {
  const entry = entryOf(data, outcome, result, spec);
  const audit = data.context.services.audit;
  if (data.info.parentType === data.info.schema.getMutationType()) {
    await audit.recordAfterCommit(entry);
    return;
  }
  try {
    await audit.record(entry);
  } catch (err) {
    audit.recordFailed(entry, err);
    throw err;
  }
}

export function Audited(spec: AuditSpec = {}): MiddlewareFn<Context> {
  return async (data: ResolverData<Context>, next) => {
    let result: unknown;
    try {
      result = await next();
    } catch (e) {
      // Nothing was written, and the entry could not be either: do not make the caller wait twice.
      if (isDatabaseUnavailable(e)) throw e;
      // The operation's own error is the answer, whatever happens to its entry.
      await writeAudit(data, errorCode(e), null, spec).catch(() => undefined);
      throw e;
    }
    await writeAudit(data, 'ok', result, spec);
    return result;
  };
}
