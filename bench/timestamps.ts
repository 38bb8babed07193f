/**
 * `ipstream bench timestamps`: our parser against a Date-based baseline and date-fns on the seed's
 * mix of timestamp shapes, one JavaScript thread, interleaved rounds, median round reported.
 */
import { isTimestampFailure, tryParseTimestamp } from '../src/events/index.ts';
import { type Contender, measureInterleaved } from './measure.ts';
import { benchEnvironment, type BenchReport } from './report.ts';
import { dateBaseline, dateFnsBaseline } from './timestamp-baselines.ts';

export type TimestampBenchRow = {
  impl: string;
  valuesPerSec: number;
  nsPerValue: number;
  /** Speed relative to the Date baseline (Date = 1). */
  relative: number;
  /** Share of values whose answer (ISO string or refusal) equals ours, in percent. */
  agreementPct: number;
};

export interface TimestampBenchOptions {
  values?: number;
  seconds?: number;
  onProgress?: (message: string) => void;
}

const START_MS = Date.UTC(2024, 8, 18, 14, 14, 10, 124);
const WINDOW_MS = 7 * 86_400_000;
const PLUS_TWO_HOURS_MS = 2 * 3_600_000;
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The shapes the seed's producers send, with their share of the traffic (percent). */
const MIX: readonly { share: number; make: (ms: number) => string | number }[] = [
  { share: 30, make: (ms) => ms }, // 1726668850124
  { share: 10, make: (ms) => ms / 1000 }, // 1726668850.124
  { share: 10, make: (ms) => `${Math.floor(ms / 1000)}.${String(ms % 1000).padStart(3, '0')}` },
  { share: 15, make: (ms) => new Date(ms).toISOString() }, // 2024-09-18T14:14:10.124Z
  { share: 10, make: (ms) => new Date(ms).toISOString().slice(0, 23) }, // no zone
  { share: 5, make: (ms) => `${new Date(ms + PLUS_TWO_HOURS_MS).toISOString().slice(0, 19)}+02:00` },
  { share: 10, make: (ms) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ') },
  { share: 10, make: rfc2822PlusTwo }, // Wed, 18 Sep 2024 16:14:10 +0200
];

function rfc2822PlusTwo(ms: number): string {
  const d = new Date(ms + PLUS_TWO_HOURS_MS);
  const time = d.toISOString().slice(11, 19);
  return `${WEEKDAYS[d.getUTCDay()]}, ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${time} +0200`;
}

/** mulberry32: a seeded generator so every run measures the same values. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random instants within a week, each written in a shape drawn from MIX. */
export function timestampMix(count: number, seed = 20240918): (string | number)[] {
  const random = seededRandom(seed);
  const values: (string | number)[] = [];
  for (let i = 0; i < count; i++) {
    const ms = START_MS + Math.floor(random() * WINDOW_MS);
    let pick = random() * 100;
    let shape = MIX[MIX.length - 1];
    for (const candidate of MIX) {
      pick -= candidate.share;
      if (pick < 0) {
        shape = candidate;
        break;
      }
    }
    values.push(shape ? shape.make(ms) : ms);
  }
  return values;
}

function ours(value: unknown): string | undefined {
  const result = tryParseTimestamp(value);
  return isTimestampFailure(result) ? undefined : result.iso;
}

// One loop per implementation (see Contender). Reading a character forces any concatenated string
// to be flattened, a cost every consumer of the answer pays, so it is charged here.
function oursPass(values: readonly unknown[]): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    const result = tryParseTimestamp(values[i]);
    if (!isTimestampFailure(result)) sum += result.iso.charCodeAt(22);
  }
  return sum;
}

function datePass(values: readonly unknown[]): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    const iso = dateBaseline(values[i]);
    if (iso !== undefined) sum += iso.charCodeAt(22);
  }
  return sum;
}

function dateFnsPass(values: readonly unknown[]): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    const iso = dateFnsBaseline(values[i]);
    if (iso !== undefined) sum += iso.charCodeAt(22);
  }
  return sum;
}

function agreementPct(values: readonly unknown[], impl: (v: unknown) => string | undefined): number {
  let same = 0;
  for (const value of values) if (impl(value) === ours(value)) same++;
  return Math.round((same / values.length) * 10_000) / 100;
}

export async function runTimestampBench(
  opts: TimestampBenchOptions = {},
): Promise<BenchReport<TimestampBenchRow>> {
  const count = opts.values ?? 100_000;
  const seconds = opts.seconds ?? 10;
  if (!Number.isInteger(count) || count < 1) throw new RangeError('values must be a positive integer');
  if (!(seconds > 0)) throw new RangeError('seconds must be positive');
  const startedAt = new Date().toISOString();
  const values = timestampMix(count);
  const impls = [
    { name: 'ipstream', convert: ours, pass: () => oursPass(values) },
    { name: 'Date', convert: dateBaseline, pass: () => datePass(values) },
    { name: 'date-fns', convert: dateFnsBaseline, pass: () => dateFnsPass(values) },
  ];
  const contenders: Contender[] = impls.map(({ name, pass }) => ({ name, pass }));

  opts.onProgress?.(`timestamps: ${count} values, ${seconds} s of interleaved rounds`);
  const measured = await measureInterleaved(contenders, {
    seconds,
    onRound: (round) => {
      if (round % 5 === 0) opts.onProgress?.(`timestamps: round ${round}`);
    },
  });

  const speeds = measured.map((m) => count / m.medianSeconds);
  const dateSpeed = speeds[1] ?? Number.NaN;
  const rows = impls.map(({ name, convert }, i): TimestampBenchRow => ({
    impl: name,
    valuesPerSec: Math.round(speeds[i] ?? 0),
    nsPerValue: Math.round((1e9 / (speeds[i] ?? 1)) * 10) / 10,
    relative: Math.round(((speeds[i] ?? 0) / dateSpeed) * 100) / 100,
    agreementPct: agreementPct(values, convert),
  }));
  return {
    name: 'timestamps',
    startedAt,
    environment: benchEnvironment(),
    params: {
      values: count,
      seconds,
      rounds: measured[0]?.samples.length ?? 0,
      hostZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    },
    rows,
    notes: [
      'one JavaScript thread; interleaved rounds in rotating order; median round per implementation',
      'mix: 30% epoch ms numbers, 10% epoch s numbers and 10% strings with fractions, 15% ISO Z, ' +
        '10% ISO without zone, 5% ISO +02:00, 10% ISO with a space, 10% RFC 2822; instants within one week',
      'relative = speed / Date baseline speed; agreementPct = answers identical to ipstream ' +
        '(baselines read epochs through floats and zone-less ISO in the host zone)',
    ],
  };
}
