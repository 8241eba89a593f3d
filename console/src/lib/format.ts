export const time = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleString() : '—');
export const clock = (iso: string) => new Date(iso).toLocaleTimeString();
export const who = (c: { name?: string | null; email?: string | null; id: string } | null | undefined, id?: string) =>
  c?.name || c?.email || (c?.id ?? id ?? '').slice(0, 8);
/** The last `max` items, newest first. */
export const prepend = <T,>(list: T[], item: T, max = 200) => [item, ...list].slice(0, max);
