// Days and hours in the time zone an operator picks: the reports bucket by that zone's local
// hours and days, so a date range means local midnights there, sent as UTC instants.
export const ZONES = ['Asia/Shanghai', 'UTC', 'Asia/Hong_Kong', 'Asia/Singapore', 'Asia/Tokyo', 'Europe/London', 'America/New_York'];

const formats = new Map<string, Intl.DateTimeFormat>();

function format(zone: string): Intl.DateTimeFormat {
  let found = formats.get(zone);
  if (!found) {
    found = new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
    formats.set(zone, found);
  }
  return found;
}

/** The wall clock in `zone` at `instant` (ms), as if it were UTC (ms). */
function wallClock(zone: string, instant: number): number {
  const parts = Object.fromEntries(format(zone).formatToParts(new Date(instant)).map((p) => [p.type, p.value]));
  return Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour) % 24,
    Number(parts.minute), Number(parts.second));
}

/** The instant (ms) local midnight of `day` (YYYY-MM-DD) begins in `zone`. */
export function midnight(day: string, zone: string): number {
  const [y, m, d] = day.split('-').map(Number);
  const guess = Date.UTC(y, m - 1, d);
  let instant = guess - (wallClock(zone, guess) - guess);
  instant = guess - (wallClock(zone, instant) - instant);
  return instant;
}

/** An instant as the schema's DateTime, in UTC. */
export function iso(instant: number): string {
  return new Date(instant).toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

/** The local day (YYYY-MM-DD) in `zone` at `instant`. */
export function localDay(instant: number, zone: string): string {
  return new Date(wallClock(zone, instant)).toISOString().slice(0, 10);
}

/** The day after `day` (YYYY-MM-DD). */
export function nextDay(day: string, by = 1): string {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + by)).toISOString().slice(0, 10);
}

/** A report's local hour ("2026-11-20T23:00:00+08:00") as "11-20 23:00": its own wall clock. */
export function hourLabel(hour: string): string {
  return hour.slice(5, 16).replace('T', ' ');
}

/** [since, until) of the local days `from`..`to` (inclusive) in `zone`, as DateTimes. */
export function range(from: string, to: string, zone: string): { since: string; until: string } {
  return { since: iso(midnight(from, zone)), until: iso(midnight(nextDay(to), zone)) };
}

/** The days a chart covers, as local dates in ``zone`` (the picker's). */
export interface Period {
  zone: string;
  from: string;
  to: string;
}
