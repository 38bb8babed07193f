import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../../src/errors/index.ts';
import { canonicalizeIp, ipVersion } from '../../../src/events/ip.ts';
import {
  createEventGenerator,
  createRandom,
  DEFAULT_SPREAD_MS,
  DEFAULT_START_MS,
  type GeneratedEvent,
  TIMESTAMP_STYLES,
} from '../../../src/events/synthetic.ts';
import { parseEpochNumber, parseEpochString } from '../../../src/events/timestamp/epoch.ts';

function draw(n: number, seed: number, devices: number): GeneratedEvent[] {
  const generator = createEventGenerator({ seed, devices });
  return Array.from({ length: n }, () => generator.next());
}

/** The instant an ISO timestamp denotes, via Date.parse after making the zone explicit. */
function isoMs(text: string): number {
  let s = text.replace(' ', 'T');
  s = s.replace(/(\.\d{3})\d+/, '$1');
  if (!/(Z|[+-]\d\d:\d\d)$/.test(s)) s += 'Z';
  return Date.parse(s);
}

describe('createRandom', () => {
  it('is reproducible, seed-dependent and uniform-looking', () => {
    const a = createRandom(42);
    const b = createRandom(42);
    const c = createRandom(43);
    const xs = Array.from({ length: 10_000 }, () => a());
    assert.deepEqual(
      xs.slice(0, 5),
      Array.from({ length: 5 }, () => b()),
    );
    assert.notEqual(xs[0], c());
    assert.ok(xs.every((x) => x >= 0 && x < 1));
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    assert.ok(Math.abs(mean - 0.5) < 0.02, String(mean));
  });
});

describe('createEventGenerator', () => {
  it('gives the same stream for the same seed, and another for another seed', () => {
    assert.deepEqual(draw(2000, 7, 100), draw(2000, 7, 100));
    assert.notDeepEqual(
      draw(50, 7, 100).map((e) => e.value),
      draw(50, 8, 100).map((e) => e.value),
    );
  });

  it('canonicalizes to exactly `devices` distinct addresses, spelled more ways than that', () => {
    const devices = 300;
    const generator = createEventGenerator({ seed: 1, devices });
    const canonical = new Set<string>();
    const raw = new Set<string>();
    for (let k = 0; k < 30_000; k++) {
      const { event } = generator.next();
      const c = canonicalizeIp(event.device_ip);
      assert.ok(c !== null, event.device_ip);
      canonical.add(c);
      raw.add(event.device_ip);
    }
    assert.equal(canonical.size, devices);
    assert.deepEqual([...canonical].sort(), [...generator.devices].sort());
    assert.ok(raw.size > devices, `${raw.size} spellings`);
  });

  it('draws about 80% IPv4 and 20% IPv6 devices', () => {
    const { devices } = createEventGenerator({ seed: 3, devices: 2000 });
    const v6 = devices.filter((d) => ipVersion(d) === 6).length / devices.length;
    assert.ok(v6 > 0.15 && v6 < 0.25, String(v6));
    assert.equal(new Set(devices).size, 2000);
    for (const d of devices) assert.equal(canonicalizeIp(d), d);
  });

  it('spells some IPv4 devices as IPv4-mapped IPv6, and they count as those IPv4 devices', () => {
    const generator = createEventGenerator({ seed: 3, devices: 2000 });
    const pool = new Set(generator.devices);
    const spellings = new Map<string, Set<string>>();
    for (let k = 0; k < 200_000; k++) {
      const { event, canonicalIp } = generator.next();
      if (ipVersion(canonicalIp) === 4) {
        const seen = spellings.get(canonicalIp) ?? new Set<string>();
        seen.add(event.device_ip);
        spellings.set(canonicalIp, seen);
      }
    }
    const both = [...spellings].filter(([ip, spelled]) => spelled.has(ip) && spelled.size > 1);
    assert.ok(both.length > 0, 'a device sent both as IPv4 and as IPv4-mapped IPv6');
    for (const [ip, spelled] of both) {
      assert.ok(pool.has(ip));
      for (const text of spelled) {
        assert.equal(canonicalizeIp(text), ip, text);
        if (text !== ip) assert.match(text, /ffff/i);
      }
    }
  });

  it('builds consistent records: key, JSON value, event and expectations agree', () => {
    for (const e of draw(3000, 11, 50)) {
      assert.equal(e.key, e.event.device_ip);
      assert.deepEqual(JSON.parse(e.value), e.event);
      assert.deepEqual(Object.keys(e.event), ['timestamp', 'device_ip', 'error_code']);
      assert.equal(canonicalizeIp(e.event.device_ip), e.canonicalIp);
      assert.ok(Number.isInteger(e.event.error_code));
      assert.ok(e.epochMs >= DEFAULT_START_MS && e.epochMs < DEFAULT_START_MS + DEFAULT_SPREAD_MS + 1000);
    }
  });

  it('rotates through every timestamp style, each denoting the expected instant', () => {
    const events = draw(2000, 5, 20);
    const styles = new Set(events.map((e) => e.timestampStyle));
    assert.deepEqual([...styles].sort(), [...TIMESTAMP_STYLES].sort());
    const types = new Set(events.map((e) => typeof e.event.timestamp));
    assert.deepEqual([...types].sort(), ['number', 'string']);
    for (const e of events) {
      const ts = e.event.timestamp;
      let ms: number;
      if (e.timestampStyle.startsWith('epoch')) {
        const parsed = typeof ts === 'number' ? parseEpochNumber(ts) : parseEpochString(ts);
        assert.ok('epochMs' in parsed, `${String(ts)}: ${JSON.stringify(parsed)}`);
        ms = parsed.epochMs;
        assert.equal(parsed.format, e.timestampStyle.startsWith('epoch_ms') ? 'epoch_ms' : 'epoch_s');
      } else {
        assert.equal(typeof ts, 'string');
        ms = isoMs(ts as string);
      }
      assert.equal(ms, e.epochMs, `${e.timestampStyle} ${String(ts)}`);
    }
    const samples = Object.fromEntries(
      events.slice(0, TIMESTAMP_STYLES.length).map((e) => [e.timestampStyle, e.event.timestamp]),
    );
    assert.match(String(samples['iso_offset']), /[+-]\d\d:\d\d$/);
    assert.match(String(samples['iso_space']), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/);
    assert.match(String(samples['iso_no_zone']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}$/);
  });

  it('uses a realistic, weighted set of error codes', () => {
    const counts = new Map<number, number>();
    for (const e of draw(5000, 9, 10))
      counts.set(e.event.error_code, (counts.get(e.event.error_code) ?? 0) + 1);
    for (const code of [0, 200, 404, 500, 503]) assert.ok((counts.get(code) ?? 0) > 0, `code ${code}`);
    assert.ok(counts.get(0)! > counts.get(500)!);
  });

  it('respects startMs and spreadMs', () => {
    const startMs = Date.UTC(2030, 0, 1);
    const generator = createEventGenerator({ seed: 2, devices: 5, startMs, spreadMs: 10_000 });
    for (let k = 0; k < 500; k++) {
      const { epochMs } = generator.next();
      assert.ok(epochMs >= startMs && epochMs < startMs + 11_000, String(epochMs));
    }
  });

  it('refuses bad options with a coded error', () => {
    for (const options of [
      { seed: 1.5, devices: 10 },
      { seed: 1, devices: 0 },
      { seed: 1, devices: 2.5 },
      { seed: 1, devices: 10, startMs: 0 },
      { seed: 1, devices: 10, spreadMs: 0 },
      { seed: 1, devices: 10, startMs: Date.UTC(5138, 0, 1), spreadMs: 1e12 },
    ]) {
      assert.throws(() => createEventGenerator(options), ConfigError, JSON.stringify(options));
    }
  });
});
