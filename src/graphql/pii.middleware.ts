/**
 * Field middlewares that mask personal data for READER keys. They sit on the PII fields only, so
 * every other field resolves at full speed; and they work per execution, so a change fanned out to
 * many subscribers is masked for the READERs among them without touching the shared payload.
 */
import type { MiddlewareFn } from 'type-graphql';
import { ErrorCode, UserError } from '../errors.ts';
import { seesPiiMasked } from '../modules/auth/access.ts';
import { maskIdentity, maskValue, type PiiKind } from '../modules/privacy/pii-mask.ts';
import type { Context } from './context.ts';

/** Masks with `mask` for READER keys: for values only their own module knows how to mask (a rule). */
export function MaskPiiBy(mask: (value: unknown) => unknown): MiddlewareFn<Context> {
  return async ({ context }, next) => {
    const value: unknown = await next();
    return seesPiiMasked(context.auth?.role) ? mask(value) : value;
  };
}

export const MaskPii = (kind: PiiKind): MiddlewareFn<Context> => MaskPiiBy((value) => maskValue(kind, value));

/** For `{ type, value }` identity shapes: how much is masked depends on the type. */
export const MaskIdentityValue: MiddlewareFn<Context> = async ({ root, context }, next) => {
  const value: unknown = await next();
  if (!seesPiiMasked(context.auth?.role) || typeof value !== 'string') return value;
  return maskIdentity(String((root as { type?: unknown }).type ?? ''), value);
};

/**
 * On an operation whose arguments can compare or group by personal data (rules, filters, funnel
 * steps, breakdowns): a READER key is refused when `find` names any such argument path. Masking the
 * answer is not enough there — a count of 1 or 0 for `email = "x"` tests what the key cannot read.
 */
export function RefusePiiArgsForReader(find: (args: Record<string, unknown>) => string[]): MiddlewareFn<Context> {
  return async ({ args, context }, next) => {
    if (seesPiiMasked(context.auth?.role)) {
      const paths = find(args);
      if (paths.length > 0) {
        throw new UserError(ErrorCode.FORBIDDEN, `a READER key may not compare, filter or group by personal data: ${paths.join(', ')}`, { paths });
      }
    }
    return next();
  };
}
