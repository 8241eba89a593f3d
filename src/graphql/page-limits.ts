/** Page sizes of every connection; free of decorators so limit checks can import it before reflect-metadata. */
export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;
