/**
 * Self time per function and per area of the code from V8 .cpuprofile files (`node --cpu-prof`;
 * every worker thread writes its own), so the hot path of a benchmark run can be read without
 * opening DevTools.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
  children?: number[];
}

export interface CpuProfile {
  nodes: CpuProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface SelfTime {
  name: string;
  /** Where: a file relative to the project or node_modules, or a V8 pseudo-frame. */
  where: string;
  category: string;
  selfMs: number;
  /** Share of the non-idle time of all profiles, in percent. */
  pct: number;
}

export interface ProfileSummary {
  /** Sampled time, idle included (ms, summed over threads). */
  totalMs: number;
  idleMs: number;
  functions: SelfTime[];
  categories: { category: string; selfMs: number; pct: number }[];
}

/** Areas of the ingest hot path, first match wins (url substrings, or a test on the frame). */
const CATEGORIES: readonly [string, (name: string, url: string) => boolean][] = [
  ['idle', (n) => n === '(idle)'],
  ['gc', (n) => n === '(garbage collector)'],
  ['JSON.parse', (n, u) => u === '' && n === 'parse'],
  ['JSON.stringify', (n, u) => u === '' && n === 'stringify'],
  ['decode', (_, u) => u.includes('/src/events/decode')],
  ['timestamp', (_, u) => u.includes('/src/events/timestamp')],
  ['ip', (_, u) => u.includes('/src/events/ip')],
  ['rollup planning', (_, u) => u.includes('/src/store/rollup-plan')],
  ['hll', (_, u) => u.includes('/src/sketch/')],
  ['store', (_, u) => u.includes('/src/store/')],
  ['ingest', (_, u) => u.includes('/src/ingest/')],
  ['bson', (_, u) => u.includes('/node_modules/bson/')],
  ['mongodb driver', (_, u) => u.includes('/node_modules/mongodb/')],
  ['kafka client', (_, u) => u.includes('/node_modules/@platformatic/kafka/')],
  ['logging', (_, u) => u.includes('/node_modules/pino') || u.includes('/node_modules/thread-stream')],
  ['other dependencies', (_, u) => u.includes('/node_modules/')],
  ['ipstream (other)', (_, u) => u.includes('/src/')],
  ['node core', (_, u) => u.startsWith('node:')],
  ['program/native', (n) => n === '(program)'],
];

export function categoryOf(functionName: string, url: string): string {
  for (const [category, test] of CATEGORIES) if (test(functionName, url)) return category;
  return url === '' ? 'v8 builtins' : 'other';
}

function shortUrl(url: string): string {
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) return url.slice(modules + '/node_modules/'.length);
  const src = url.lastIndexOf('/src/');
  if (src >= 0) return url.slice(src + 1);
  return url.replace(/^file:\/\//, '');
}

/** Self time of every function over all profiles, biggest first. */
export function summarizeCpuProfiles(profiles: readonly CpuProfile[], top = 25): ProfileSummary {
  const byKey = new Map<string, { name: string; where: string; category: string; ms: number }>();
  let totalMs = 0;
  for (const profile of profiles) {
    const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
    // Self time from the samples and their deltas when present, else spread evenly over hits.
    const selfUs = new Map<number, number>();
    const samples = profile.samples ?? [];
    const deltas = profile.timeDeltas ?? [];
    if (samples.length > 0 && deltas.length === samples.length) {
      // timeDeltas[i] is the time from sample i-1 to sample i: the time sample i-1 stood for.
      for (let i = 0; i < samples.length; i++) {
        const us = deltas[i + 1] ?? 0;
        selfUs.set(samples[i]!, (selfUs.get(samples[i]!) ?? 0) + Math.max(0, us));
      }
    } else {
      const hits = profile.nodes.reduce((n, node) => n + (node.hitCount ?? 0), 0);
      const perHit = hits > 0 ? (profile.endTime - profile.startTime) / hits : 0;
      for (const node of profile.nodes) selfUs.set(node.id, (node.hitCount ?? 0) * perHit);
    }
    for (const [id, us] of selfUs) {
      const node = nodes.get(id);
      if (node === undefined || us === 0) continue;
      const { functionName, url, lineNumber } = node.callFrame;
      const name = functionName === '' ? '(anonymous)' : functionName;
      const where = url === '' ? '' : `${shortUrl(url)}:${lineNumber + 1}`;
      const key = `${name}\u0000${where}`;
      const entry = byKey.get(key) ?? { name, where, category: categoryOf(name, url), ms: 0 };
      entry.ms += us / 1000;
      byKey.set(key, entry);
      totalMs += us / 1000;
    }
  }
  const all = [...byKey.values()];
  const idleMs = all.filter((e) => e.category === 'idle').reduce((n, e) => n + e.ms, 0);
  const busyMs = totalMs - idleMs;
  const pct = (ms: number): number => (busyMs > 0 ? (100 * ms) / busyMs : 0);
  const categories = new Map<string, number>();
  for (const e of all)
    if (e.category !== 'idle') categories.set(e.category, (categories.get(e.category) ?? 0) + e.ms);
  return {
    totalMs,
    idleMs,
    functions: all
      .filter((e) => e.category !== 'idle')
      .sort((a, b) => b.ms - a.ms)
      .slice(0, top)
      .map((e) => ({ name: e.name, where: e.where, category: e.category, selfMs: e.ms, pct: pct(e.ms) })),
    categories: [...categories]
      .sort((a, b) => b[1] - a[1])
      .map(([category, selfMs]) => ({ category, selfMs, pct: pct(selfMs) })),
  };
}

/** Every .cpuprofile file in `dir`. */
export async function readCpuProfiles(dir: string): Promise<CpuProfile[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.cpuprofile')).sort();
  return Promise.all(names.map(async (n) => JSON.parse(await readFile(join(dir, n), 'utf8')) as CpuProfile));
}
