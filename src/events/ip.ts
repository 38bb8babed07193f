/**
 * Device address validation and canonical spelling, so that one address counts once however a
 * device spells it.
 *
 * - IPv4: exactly four dotted decimal octets 0-255 without leading zeros (`010.1.1.1` is refused,
 *   never read as octal). A valid IPv4 string is already canonical and is returned as is.
 * - IPv6: RFC 4291 text forms, including an embedded dotted IPv4 tail (`::ffff:1.2.3.4`,
 *   `64:ff9b::1.2.3.4`). Output per RFC 5952: lowercase hex, no leading zeros in a group, the longest
 *   run of two or more zero groups compressed to `::` (the first on ties), a lone zero group left as
 *   `0`, pure hex even where the input had a dotted tail.
 * - IPv4-mapped IPv6 (`::ffff:0:0/96`, in any spelling: `::ffff:1.2.3.4`, `::ffff:0102:0304`,
 *   `0:0:0:0:0:ffff:102:304`, ...) is the IPv4 device it maps, seen through a dual-stack socket: it
 *   canonicalizes to the dotted IPv4 text (`1.2.3.4`), so the device counts once either way. Other
 *   embeddings (`::1.2.3.4`, `64:ff9b::/96`, `::ffff:0:0:0/96`) name IPv6 hosts and stay IPv6.
 * - Refused: whitespace anywhere (the decoder passes the raw field), zone ids (`%eth0`), brackets,
 *   prefix lengths (`/64`), more than 8 groups, a second `::`, groups of more than 4 hex digits.
 *
 * This runs once per ingested record, so it is a single hand-written pass over char codes: no
 * regular expressions, no `split`, no `URL`, and no allocation beyond the result string (IPv6
 * groups go into one reused module-level buffer, which is safe because parsing is synchronous).
 */
import { CH_0, CH_9, CH_A_LOWER, CH_A_UPPER, CH_COLON, CH_DOT } from './char-codes.ts';

// The longest valid text form: six 4-digit groups, six colons and a 15-character dotted tail
// (`0000:0000:0000:0000:0000:ffff:255.255.255.255`). Anything longer is refused before scanning.
const MAX_TEXT_LENGTH = 45;

const groups = new Uint16Array(8);

// Hex digit values by char code (-1 for anything else): one load instead of three range tests.
const HEX_VALUE = new Int8Array(128).fill(-1);
for (let d = 0; d < 10; d++) HEX_VALUE[CH_0 + d] = d;
for (let d = 0; d < 6; d++) {
  HEX_VALUE[CH_A_LOWER + d] = 10 + d;
  HEX_VALUE[CH_A_UPPER + d] = 10 + d;
}

// Lowercase hex text of each group value, filled on first use; formatting then costs one array
// load per group instead of a Number#toString call. At most 65536 short strings (~2 MB).
const HEX_TEXT: Array<string | undefined> = new Array<string | undefined>(65536);

function hexText(n: number): string {
  let t = HEX_TEXT[n];
  if (t === undefined) HEX_TEXT[n] = t = n.toString(16);
  return t;
}

/**
 * Parses a dotted quad occupying s[start, s.length) exactly. Returns the address as an unsigned
 * 32-bit number, or -1 when invalid.
 */
function parseIpv4(s: string, start: number): number {
  const end = s.length;
  let i = start;
  let value = 0;
  for (let octet = 0; octet < 4; octet++) {
    if (octet > 0) {
      if (i >= end || s.charCodeAt(i) !== CH_DOT) return -1;
      i++;
    }
    const first = i;
    let n = 0;
    // Reading stops at a fourth digit, which already makes the octet invalid.
    while (i < end && i - first < 4) {
      const c = s.charCodeAt(i);
      if (c < CH_0 || c > CH_9) break;
      n = n * 10 + (c - CH_0);
      i++;
    }
    const digits = i - first;
    if (digits === 0 || digits > 3 || n > 255) return -1;
    if (digits > 1 && s.charCodeAt(first) === CH_0) return -1;
    value = value * 256 + n;
  }
  return i === end ? value : -1;
}

/**
 * Fills `groups` with the eight 16-bit groups of the IPv6 text `s`. Returns false when invalid.
 */
function parseIpv6(s: string): boolean {
  const end = s.length;
  let i = 0;
  let count = 0;
  let gap = -1; // index in `groups` where `::` stands, or -1

  if (s.charCodeAt(0) === CH_COLON) {
    // A leading colon is only valid as the start of `::`.
    if (s.charCodeAt(1) !== CH_COLON) return false;
    gap = 0;
    i = 2;
    if (i === end) {
      for (let k = 0; k < 8; k++) groups[k] = 0;
      return true;
    }
  }

  for (;;) {
    const first = i;
    let n = 0;
    while (i < end) {
      const c = s.charCodeAt(i);
      const h = c < 128 ? HEX_VALUE[c]! : -1;
      if (h < 0) break;
      n = (n << 4) | h;
      i++;
      if (i - first > 4) return false;
    }
    if (i < end && s.charCodeAt(i) === CH_DOT) {
      // An embedded IPv4 tail: it must fill the last two groups and end the text.
      if (count > 6) return false;
      const v4 = parseIpv4(s, first);
      if (v4 < 0) return false;
      groups[count++] = v4 >>> 16;
      groups[count++] = v4 & 0xffff;
      break;
    }
    if (i === first || count === 8) return false;
    groups[count++] = n;
    if (i === end) break;
    if (s.charCodeAt(i) !== CH_COLON) return false;
    i++;
    if (i < end && s.charCodeAt(i) === CH_COLON) {
      if (gap >= 0) return false;
      gap = count;
      i++;
      if (i === end) break;
    } else if (i === end) {
      return false; // a single trailing colon
    }
  }

  if (gap < 0) return count === 8;
  // `::` stands for at least one zero group (RFC 4291 §2.2).
  if (count > 7) return false;
  const tail = count - gap;
  const shift = 8 - count;
  for (let k = tail - 1; k >= 0; k--) groups[gap + shift + k] = groups[gap + k]!;
  for (let k = gap; k < gap + shift; k++) groups[k] = 0;
  return true;
}

/** The canonical text of the eight groups in `groups`: RFC 5952, or dotted IPv4 when mapped. */
function formatIpv6(): string {
  const g = groups;
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    const hi = g[6]!;
    const lo = g[7]!;
    return `${hi >>> 8}.${hi & 0xff}.${lo >>> 8}.${lo & 0xff}`;
  }
  // Longest run of zero groups; strict `>` keeps the first one on ties.
  let bestStart = -1;
  let bestLen = 1; // a run must be at least 2 groups long to be compressed
  let runStart = -1;
  for (let k = 0; k <= 8; k++) {
    if (k < 8 && g[k] === 0) {
      if (runStart < 0) runStart = k;
    } else if (runStart >= 0) {
      const len = k - runStart;
      if (len > bestLen) {
        bestLen = len;
        bestStart = runStart;
      }
      runStart = -1;
    }
  }
  let out = '';
  for (let k = 0; k < 8; k++) {
    if (k === bestStart) {
      out += '::';
      k += bestLen - 1;
      continue;
    }
    out += hexText(g[k]!);
    if (k < 7 && k + 1 !== bestStart) out += ':';
  }
  return out;
}

/**
 * The canonical spelling of an IPv4 or IPv6 address, or null when `input` is not one. See the
 * file header for the exact rules.
 */
export function canonicalizeIp(input: string): string | null {
  const n = input.length;
  if (n < 2 || n > MAX_TEXT_LENGTH) return null;
  // IPv4 text holds only digits and dots and its fourth character at the latest is a dot; IPv6
  // text has a colon within its first five characters. Finding either decides the family without
  // a full pre-scan.
  for (let i = 0; i < 5 && i < n; i++) {
    const c = input.charCodeAt(i);
    if (c === CH_COLON) return parseIpv6(input) ? formatIpv6() : null;
    if (c === CH_DOT) return parseIpv4(input, 0) >= 0 ? input : null;
  }
  return null;
}

/**
 * The family of an address already returned by `canonicalizeIp` (not a validator: any string
 * with a colon is called 6).
 */
export function ipVersion(canonical: string): 4 | 6 {
  return canonical.indexOf(':') >= 0 ? 6 : 4;
}
