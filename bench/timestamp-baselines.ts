/**
 * What a careful developer would write without our parser, as the benchmark's yardsticks: the same
 * numeric unit heuristic, then the platform's Date or date-fns for everything textual. Both read
 * epochs through floating point, and Date reads zone-less ISO date-times in the host's zone, so
 * their answers can differ from ours; the benchmark reports how often.
 */
import { isValid, parse, parseISO } from 'date-fns';

const EPOCH = /^[+-]?\d+(\.\d+)?$/;
const RFC2822 = 'EEE, d MMM yyyy HH:mm:ss xx';
const REFERENCE_DATE = new Date(0);

/** Epoch to milliseconds by integer-digit count (<=11 s, 12-14 ms, 15-17 us, 18-20 ns), in floats. */
function epochToMs(n: number): number {
  const a = Math.abs(n);
  if (a < 1e11) return Math.floor(n * 1000);
  if (a < 1e14) return Math.floor(n);
  if (a < 1e17) return Math.floor(n / 1e3);
  return Math.floor(n / 1e6);
}

function isoOf(ms: number): string | undefined {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** Date.parse / new Date + toISOString. Undefined when the value is refused. */
export function dateBaseline(value: unknown): string | undefined {
  if (typeof value === 'number') return isoOf(epochToMs(value));
  if (typeof value !== 'string') return undefined;
  const s = value.trim();
  return isoOf(EPOCH.test(s) ? epochToMs(Number(s)) : Date.parse(s));
}

/** date-fns parseISO for ISO forms, parse with an RFC 2822 pattern otherwise. */
export function dateFnsBaseline(value: unknown): string | undefined {
  if (typeof value === 'number') return isoOf(epochToMs(value));
  if (typeof value !== 'string') return undefined;
  const s = value.trim();
  if (EPOCH.test(s)) return isoOf(epochToMs(Number(s)));
  const date = s.charCodeAt(0) <= 57 ? parseISO(s) : parse(s, RFC2822, REFERENCE_DATE);
  return isValid(date) ? date.toISOString() : undefined;
}
