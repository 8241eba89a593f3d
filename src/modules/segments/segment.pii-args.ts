import { parseRule } from './rules/rule.schema.ts';
import { piiPathsInRule } from './rules/rule.pii.ts';

/** A stored rule as READER keys see it (rules/rule.pii.ts); tags use it for their rules too. */
export { maskRule } from './rules/rule.pii.ts';

/** previewSegment's rule paths on personal data ("rule.and[0].attr"); a bad rule is left to the service (BAD_RULE). */
export function previewPiiPaths(args: Record<string, unknown>): string[] {
  const parsed = parseRule(args.rule);
  return parsed.ok ? piiPathsInRule(parsed.rule, 'rule') : [];
}
