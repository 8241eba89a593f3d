/**
 * Event times: ISO 8601 strings or epoch milliseconds, and Segment's clock-skew correction.
 * Parsed by hand rather than with Date.parse, which reads a zone-less time in the server's local zone
 * and rolls 2024-02-30 over into March.
 */

const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;
const EPOCH_MS = /^-?\d{1,16}(?:\.\d+)?$/;

/** A Date, or null when the value is neither ISO 8601 nor epoch milliseconds. */
export function parseEventTime(value: unknown): Date | null {
  if (typeof value === 'number') return validDate(new Date(value));
  if (typeof value !== 'string') return null;
  const text = value.trim();
  if (EPOCH_MS.test(text)) return validDate(new Date(Number(text)));
  return parseIso(text);
}

function parseIso(text: string): Date | null {
  const m = ISO_8601.exec(text);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((p) => Number(p ?? 0)) as [
    number, number, number, number, number, number,
  ];
  const millis = m[7] ? Number(m[7].padEnd(3, '0').slice(0, 3)) : 0;
  const offsetMinutes = parseOffset(m[8]);
  if (offsetMinutes === null) return null;
  const d = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not map years 0-99 to 1900-1999.
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, millis);
  const roundTrips =
    d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day &&
    d.getUTCHours() === hour && d.getUTCMinutes() === minute && d.getUTCSeconds() === second;
  return roundTrips ? validDate(new Date(d.getTime() - offsetMinutes * 60_000)) : null;
}

/** Minutes east of UTC; a time without a zone is taken as UTC so the server's zone never matters. */
function parseOffset(zone: string | undefined): number | null {
  if (!zone || zone.toUpperCase() === 'Z') return 0;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2) || 0);
  if (hours > 23 || minutes > 59) return null;
  return (zone[0] === '-' ? -1 : 1) * (hours * 60 + minutes);
}

const validDate = (d: Date): Date | null => (Number.isNaN(d.getTime()) ? null : d);

/**
 * The Segment spec's correction for a wrong client clock: the client's own sentAt − timestamp is how
 * long ago the event happened, measured on the client clock, so subtract it from our receivedAt.
 * The client time is `timestamp`, or `originalTimestamp` when only that is given.
 */
export function correctClockSkew(t: { timestamp?: Date; originalTimestamp?: Date; sentAt?: Date; receivedAt: Date }): Date {
  const clientTime = t.timestamp ?? t.originalTimestamp;
  if (!clientTime) return t.receivedAt;
  if (!t.sentAt) return clientTime;
  return new Date(t.receivedAt.getTime() - (t.sentAt.getTime() - clientTime.getTime()));
}
