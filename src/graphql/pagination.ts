/**
 * Relay-style connections shared by every list. Cursors are opaque (base64url JSON of the sort key and
 * id); a cursor that does not decode is an INVALID_CURSOR error, not an empty page.
 */
import { Field, ObjectType } from 'type-graphql';
import { ErrorCode, UserError } from '../errors.ts';
import { isUuid } from '../lib/uuid.ts';

import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './page-limits.ts';

export { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE };

@ObjectType()
export class PageInfo {
  @Field(() => Boolean) hasNextPage!: boolean;
  @Field(() => Boolean) hasPreviousPage!: boolean;
  @Field(() => String, { nullable: true }) startCursor!: string | null;
  @Field(() => String, { nullable: true }) endCursor!: string | null;
}

export function pageSize(first: number | null | undefined): number {
  if (first == null) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 0) throw new UserError(ErrorCode.BAD_USER_INPUT, '`first` must be a non-negative integer');
  if (first > MAX_PAGE_SIZE)
    throw new UserError(ErrorCode.PAGE_SIZE_TOO_LARGE, `\`first\` may be at most ${MAX_PAGE_SIZE}`, { max: MAX_PAGE_SIZE });
  return first;
}

export function encodeCursor(key: unknown[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor(cursor: string, length: number): unknown[] {
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(key) && key.length === length) return key;
  } catch {
    /* fall through */
  }
  throw new UserError(ErrorCode.INVALID_CURSOR, 'the `after` cursor is not one this server issued');
}

/** The id after which a page of ids starts: null without `after`, INVALID_CURSOR unless it is one of ours. */
export function afterIdOf(after: string | null | undefined): string | null {
  if (!after) return null;
  const [v] = decodeCursor(after, 1);
  if (!isUuid(v)) throw new UserError(ErrorCode.INVALID_CURSOR, 'the `after` cursor is not one this server issued');
  return v;
}

/** pageInfo for a page cut from `fetched` rows (one more than `take` was asked for, to see if more exist). */
export function pageInfoOf(edges: { cursor: string }[], fetched: number, take: number, after: string | null | undefined): PageInfo {
  return {
    hasNextPage: fetched > take,
    hasPreviousPage: Boolean(after),
    startCursor: edges[0]?.cursor ?? null,
    endCursor: edges.at(-1)?.cursor ?? null,
  };
}
