/** Calendar dates as rates and spend use them: "YYYY-MM-DD", a real day of the Gregorian calendar, UTC. */
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The date as UTC midnight, or null when the text is not a real calendar date. */
export function parseCalendarDate(value: unknown): Date | null {
  if (typeof value !== 'string') return null;
  const m = DATE.exec(value.trim());
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  // Date.UTC rolls 2026-02-30 over to March: a real date survives the round trip.
  if (y < 1970 || date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return null;
  return date;
}

export const isoDate = (d: Date): string => d.toISOString().slice(0, 10);
