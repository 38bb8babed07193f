import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import fc from 'fast-check';
import { canonicalizeIp, ipVersion } from '../../../src/events/ip.ts';

/** [input, canonical] for valid addresses. */
const VALID: ReadonlyArray<readonly [string, string]> = [
  // IPv4: already canonical, returned as is
  ['0.0.0.0', '0.0.0.0'],
  ['1.2.3.4', '1.2.3.4'],
  ['10.0.0.1', '10.0.0.1'],
  ['192.168.1.254', '192.168.1.254'],
  ['255.255.255.255', '255.255.255.255'],
  ['100.64.0.0', '100.64.0.0'],
  // IPv6: case, leading zeros, compression
  ['::', '::'],
  ['::1', '::1'],
  ['1::', '1::'],
  ['0:0:0:0:0:0:0:0', '::'],
  ['0:0:0:0:0:0:0:1', '::1'],
  ['2001:DB8::1', '2001:db8::1'],
  ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
  ['2001:db8:0:0:0:0:2:1', '2001:db8::2:1'],
  ['2001:db8::0:1', '2001:db8::1'],
  ['FE80::0202:B3FF:FE1E:8329', 'fe80::202:b3ff:fe1e:8329'],
  // a single zero group is never compressed (RFC 5952 §4.2.2)
  ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
  ['2001:db8::1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
  // the longest run wins; on a tie the first (RFC 5952 §4.2.3)
  ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
  ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
  ['1:0:0:2:0:0:3:4', '1::2:0:0:3:4'],
  ['0:0:1:0:0:0:0:2', '0:0:1::2'],
  ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0'],
  ['::2:3:4:5:6:7:8', '0:2:3:4:5:6:7:8'],
  ['1:0:2:0:3:0:4:0', '1:0:2:0:3:0:4:0'],
  ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
  ['0001:0002:0003:0004:0005:0006:0007:0008', '1:2:3:4:5:6:7:8'],
  ['abcd:EF01:2345:6789:ABCD:ef01:2345:6789', 'abcd:ef01:2345:6789:abcd:ef01:2345:6789'],
  // IPv4-mapped (::ffff:0:0/96), however spelled: the IPv4 address it maps, one device either way
  ['::ffff:1.2.3.4', '1.2.3.4'],
  ['::FFFF:1.2.3.4', '1.2.3.4'],
  ['::ffff:0102:0304', '1.2.3.4'],
  ['::ffff:102:304', '1.2.3.4'],
  ['0:0:0:0:0:ffff:c000:0280', '192.0.2.128'],
  ['0:0:0:0:0:FFFF:C000:280', '192.0.2.128'],
  ['::0:ffff:1.2.3.4', '1.2.3.4'],
  ['0::ffff:102:304', '1.2.3.4'],
  ['::ffff:0.0.0.0', '0.0.0.0'],
  ['::ffff:0:0', '0.0.0.0'],
  ['0000:0000:0000:0000:0000:ffff:255.255.255.255', '255.255.255.255'],
  ['0000:0000:0000:0000:0000:ffff:ffff:ffff', '255.255.255.255'],
  // other embedded forms, and neighbours of the mapped prefix, stay IPv6 in pure hex
  ['64:ff9b::1.2.3.4', '64:ff9b::102:304'],
  ['::1.2.3.4', '::102:304'],
  ['::ffff:0:1.2.3.4', '::ffff:0:102:304'],
  ['::fffe:1.2.3.4', '::fffe:102:304'],
  ['1::ffff:1.2.3.4', '1::ffff:102:304'],
  ['::ffff', '::ffff'],
  ['::ffff:1', '::ffff:1'],
  ['1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:102:304'],
  ['1::255.255.255.255', '1::ffff:ffff'],
  ['fe80::', 'fe80::'],
];

const INVALID: readonly string[] = [
  '',
  ' ',
  '1',
  '1.2.3',
  '1.2.3.4.5',
  '010.1.1.1',
  '1.2.3.04',
  '00.0.0.0',
  '256.1.1.1',
  '1.2.3.256',
  '1.2.3.1000',
  '1..2.3',
  '.1.2.3',
  '1.2.3.4.',
  '1.2.3.-4',
  '0x1.2.3.4',
  ' 1.2.3.4',
  '1.2.3.4 ',
  '1.2 .3.4',
  '1.2.3.4\n',
  '１.2.3.4', // fullwidth digit
  ':',
  ':::',
  '1:',
  ':1',
  '1:2',
  '1:2:3:4:5:6:7',
  '1:2:3:4:5:6:7:8:9',
  '1:2:3:4:5:6:7:8::',
  '::1:2:3:4:5:6:7:8',
  '1::2::3',
  '::1::',
  '12345::',
  '1:2:3:4:5:6:7:00000',
  'g::1',
  'fe80::1%eth0',
  'fe80::1%1',
  '[::1]',
  '2001:db8::/32',
  '1.2.3.4/24',
  ':: 1',
  '::1 ',
  '::ffff:01.2.3.4',
  '::ffff:1.2.3',
  '::ffff:1.2.3.4.5',
  '::ffff:256.2.3.4',
  '1:2:3:4:5:6:7:1.2.3.4',
  '1.2.3.4::',
  '::1.2.3.4:5',
  '1:2:3:4:5:6::1.2.3.4',
  'localhost',
  'not an ip',
];

/** The family `text` is written in (an IPv4-mapped address is written as IPv6). */
function writtenFamily(text: string): 4 | 6 {
  return text.includes(':') ? 6 : 4;
}

describe('canonicalizeIp vectors', () => {
  it('has at least 40 vectors', () => {
    assert.ok(VALID.length + INVALID.length >= 40);
  });

  for (const [input, expected] of VALID) {
    it(`accepts ${JSON.stringify(input)} as ${expected}`, () => {
      assert.equal(canonicalizeIp(input), expected);
      // Node agrees it is an address of the family it is written in.
      assert.equal(net.isIP(input), writtenFamily(input));
    });
  }

  for (const input of INVALID) {
    it(`refuses ${JSON.stringify(input)}`, () => {
      assert.equal(canonicalizeIp(input), null);
    });
  }

  it('returns the very same string for valid IPv4 (no copy)', () => {
    const s = ['10', '20', '30', '40'].join('.');
    assert.equal(canonicalizeIp(s), s);
  });
});

describe('ipVersion', () => {
  it('tells the family of canonical addresses', () => {
    assert.equal(ipVersion('1.2.3.4'), 4);
    assert.equal(ipVersion('::'), 6);
    assert.equal(ipVersion('2001:db8::1'), 6);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties. The reference formatter below is deliberately naive (arrays, strings, regexes) so
// that it shares no code or tricks with the scanner it checks.

type Groups = readonly number[]; // eight 16-bit values

function isMapped(g: Groups): boolean {
  return g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff;
}

function dotted(hi: number, lo: number): string {
  return [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.');
}

/** RFC 5952 text written straight from the RFC's rules; an IPv4-mapped address as its IPv4 text. */
function referenceCanonical(g: Groups): string {
  if (isMapped(g)) return dotted(g[6]!, g[7]!);
  let best = { start: -1, len: 0 };
  for (let start = 0; start < 8; start++) {
    let len = 0;
    while (start + len < 8 && g[start + len] === 0) len++;
    if (len >= 2 && len > best.len) best = { start, len };
  }
  const hex = g.map((x) => x.toString(16));
  if (best.start < 0) return hex.join(':');
  return `${hex.slice(0, best.start).join(':')}::${hex.slice(best.start + best.len).join(':')}`;
}

/** Zero-heavy groups, so that compression choices and ties come up often. */
const groupArb = fc.oneof(
  { weight: 4, arbitrary: fc.constant(0) },
  { weight: 1, arbitrary: fc.constant(0xffff) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 0xf }) },
  { weight: 5, arbitrary: fc.integer({ min: 0, max: 0xffff }) },
);
const addressArb: fc.Arbitrary<Groups> = fc.oneof(
  { weight: 5, arbitrary: fc.array(groupArb, { minLength: 8, maxLength: 8 }) },
  // IPv4-mapped, and the NAT64 well-known prefix
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffff }))
      .map(([a, b]) => [0, 0, 0, 0, 0, 0xffff, a, b]),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffff }))
      .map(([a, b]) => [0x64, 0xff9b, 0, 0, 0, 0, a, b]),
  },
);

interface Spelling {
  upper: boolean[];
  pad: number[]; // total digits per group, at least the needed count, at most 4
  compress: number; // pick among the possible zero runs (or none)
  dottedTail: boolean;
}

const spellingArb: fc.Arbitrary<Spelling> = fc.record({
  upper: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
  pad: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 8, maxLength: 8 }),
  compress: fc.nat(),
  dottedTail: fc.boolean(),
});

/** Any valid RFC 4291 spelling of `g` chosen by `sp`. */
function spell(g: Groups, sp: Spelling): string {
  const parts = g.map((x, k) => {
    let h = x.toString(16).padStart(Math.max(sp.pad[k]!, 1), '0');
    if (sp.upper[k]) h = h.toUpperCase();
    return h;
  });
  const dottedTail = sp.dottedTail ? dotted(g[6]!, g[7]!) : null;
  const hexCount = dottedTail === null ? 8 : 6;
  // Every run of consecutive zero groups among the hex part may be written as `::`.
  const runs: Array<[number, number]> = [];
  for (let s = 0; s < hexCount; s++) {
    for (let e = s; e < hexCount && g[e] === 0; e++) runs.push([s, e + 1]);
  }
  const choice = sp.compress % (runs.length + 1);
  let text: string;
  if (choice === runs.length) {
    text = parts.slice(0, hexCount).join(':');
    if (dottedTail !== null) text += `:${dottedTail}`;
  } else {
    const [s, e] = runs[choice]!;
    const left = parts.slice(0, s).join(':');
    const rightParts = parts.slice(e, hexCount);
    if (dottedTail !== null) rightParts.push(dottedTail);
    text = `${left}::${rightParts.join(':')}`;
  }
  return text;
}

describe('canonicalizeIp properties', () => {
  it('every valid spelling of an address canonicalizes to its RFC 5952 text', () => {
    fc.assert(
      fc.property(addressArb, spellingArb, (g, sp) => {
        const text = spell(g, sp);
        assert.equal(canonicalizeIp(text), referenceCanonical(g), text);
      }),
      { numRuns: 5000 },
    );
  });

  it('canonical output is a fixed point and Node calls it IPv6 (IPv4 when mapped)', () => {
    fc.assert(
      fc.property(addressArb, spellingArb, (g, sp) => {
        const canonical = canonicalizeIp(spell(g, sp));
        assert.ok(canonical !== null);
        assert.equal(canonicalizeIp(canonical), canonical);
        assert.equal(net.isIP(canonical), isMapped(g) ? 4 : 6);
        assert.equal(ipVersion(canonical), isMapped(g) ? 4 : 6);
      }),
      { numRuns: 2000 },
    );
  });

  it('an IPv4 device counts once: every IPv4-mapped spelling of it canonicalizes to its IPv4 text', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }),
        spellingArb,
        (octets, sp) => {
          const v4 = octets.join('.');
          const mapped: Groups = [
            0,
            0,
            0,
            0,
            0,
            0xffff,
            octets[0]! * 256 + octets[1]!,
            octets[2]! * 256 + octets[3]!,
          ];
          assert.equal(canonicalizeIp(spell(mapped, sp)), canonicalizeIp(v4));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('IPv4: any 32-bit address round-trips; a zero-padded octet is refused', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }),
        fc.integer({ min: 0, max: 3 }),
        (octets, padAt) => {
          const text = octets.join('.');
          assert.equal(canonicalizeIp(text), text);
          const padded = octets.map((o, k) => (k === padAt ? `0${o}` : String(o))).join('.');
          assert.equal(canonicalizeIp(padded), null);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('agrees with net.isIP on random address-like strings (zone ids aside)', () => {
    // Node accepts `%zone` suffixes, which ipstream refuses, so `%` is not in the alphabet.
    const alphabet = '0123456789abcdefABCDEFg:.:.::/ []x';
    const chunk = fc.oneof(
      fc.constantFrom(...alphabet.split('')),
      fc.constantFrom('::', 'ffff', '0000', '255', '256', '01', '1.2.3.4', '::ffff:', '00000'),
    );
    fc.assert(
      fc.property(fc.array(chunk, { maxLength: 20 }), (chunks) => {
        const s = chunks.join('');
        const ours = canonicalizeIp(s);
        assert.equal(ours === null ? 0 : writtenFamily(s), net.isIP(s), JSON.stringify(s));
      }),
      { numRuns: 20000 },
    );
  });

  it('agrees with net.isIP on spellings with a few characters mutated', () => {
    const mutationArb = fc.array(
      fc.tuple(fc.nat(), fc.constantFrom('', ':', '.', '0', 'f', 'G', ' ', '::', '1')),
      { minLength: 1, maxLength: 3 },
    );
    fc.assert(
      fc.property(addressArb, spellingArb, mutationArb, (g, sp, mutations) => {
        let s = spell(g, sp);
        for (const [at, replacement] of mutations) {
          const k = at % (s.length + 1);
          s = s.slice(0, k) + replacement + s.slice(k + 1);
        }
        const ours = canonicalizeIp(s);
        assert.equal(ours === null ? 0 : writtenFamily(s), net.isIP(s), JSON.stringify(s));
      }),
      { numRuns: 10000 },
    );
  });
});
