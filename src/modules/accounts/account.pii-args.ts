import { isPiiShapedValue } from '../privacy/pii-mask.ts';

/** `search` also matches the `name` trait, which READER keys see masked: they may not test it. */
export const accountSearchPiiPaths = (args: Record<string, unknown>): string[] => (args.search != null && args.search !== '' ? ['search'] : []);

/** A lookup by an email-shaped group id answers "is this their group?" for a value READERs see masked. */
export const groupIdLookupPiiPaths = (args: Record<string, unknown>): string[] => (isPiiShapedValue(args.groupId) ? ['groupId'] : []);
