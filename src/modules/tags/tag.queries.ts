/** The tags module's public data API, for other modules. */
import { tagsOfCustomersSql } from './tag.sql.ts';

export type { TagRecord } from './tag.sql.ts';

export const tagQueries = {
  /** The customers' profile loader reads tags with the profile's other parts, in one statement. */
  tagsOfCustomersSql,
};
