/**
 * Field middlewares that mask personal data for READER keys. They sit on the PII fields only, so
 * every other field resolves at full speed; and they work per execution, so a change fanned out to
 * many subscribers is masked for the READERs among them without touching the shared payload.
 */
import type { MiddlewareFn } from 'type-graphql';
import { seesPiiMasked } from '../modules/auth/access.ts';
import { maskIdentity, maskValue, type PiiKind } from '../modules/privacy/pii-mask.ts';
import type { Context } from './context.ts';

export function MaskPii(kind: PiiKind): MiddlewareFn<Context> {
  return async ({ context }, next) => {
    const value: unknown = await next();
    return seesPiiMasked(context.auth?.role) ? maskValue(kind, value) : value;
  };
}

/** For `{ type, value }` identity shapes: how much is masked depends on the type. */
export const MaskIdentityValue: MiddlewareFn<Context> = async ({ root, context }, next) => {
  const value: unknown = await next();
  if (!seesPiiMasked(context.auth?.role) || typeof value !== 'string') return value;
  return maskIdentity(String((root as { type?: unknown }).type ?? ''), value);
};
