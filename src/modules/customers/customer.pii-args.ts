import { isPiiIdentity, isPiiJsonKey, isPiiShapedValue } from '../privacy/pii-mask.ts';
import type { CustomerFilterInput } from './customer.inputs.ts';

/** Filter paths that test personal data: email, phone, the name/email search, PII traits. */
export function customerFilterPiiPaths(args: Record<string, unknown>): string[] {
  const f = args.filter as CustomerFilterInput | null | undefined;
  if (!f) return [];
  return [
    ...(['email', 'phone', 'search'] as const).filter((k) => f[k] != null).map((k) => `filter.${k}`),
    ...(f.traits ?? []).flatMap((tr, i) => [
      ...(isPiiJsonKey(tr.key) ? [`filter.traits[${i}].key`] : []),
      ...(isPiiShapedValue(tr.equals) ? [`filter.traits[${i}].equals`] : []),
    ]),
  ];
}

/** A lookup by an email, a phone (or an email-shaped id) answers "is this their email?". */
export const identityLookupPiiPaths = (args: Record<string, unknown>): string[] =>
  isPiiIdentity(String(args.type), String(args.value)) ? ['value'] : [];
