/**
 * IPv4/IPv6 addresses and CIDR sets, matched with integer compares (no allocation per lookup for
 * IPv4). IPv4-mapped IPv6 addresses (`::ffff:1.2.3.4`, as Node reports on dual-stack sockets) are
 * treated as the IPv4 address they carry.
 */

export type ParsedIp = { readonly v: 4; readonly n: number } | { readonly v: 6; readonly w: readonly [number, number, number, number] };

export function parseIpv4(s: string): number | undefined {
  let n = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || ++dots > 3) return undefined;
      n = n * 256 + part;
      part = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && part === 0) return undefined; // no leading zeros (octal ambiguity)
      part = part * 10 + (c - 48);
      if (++digits > 3 || part > 255) return undefined;
    } else return undefined;
  }
  if (dots !== 3 || digits === 0) return undefined;
  return n * 256 + part;
}

function parseIpv6Words(input: string): [number, number, number, number] | undefined {
  let s = input;
  const pct = s.indexOf('%');
  if (pct !== -1) s = s.slice(0, pct); // zone id
  if (s.length < 2) return undefined;
  const groups: number[] = [];
  let tail: number[] | undefined;
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const parseSide = (side: string, allowV4: boolean): number[] | undefined => {
    if (side === '') return [];
    const parts = side.split(':');
    const out: number[] = [];
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if (allowV4 && i === parts.length - 1 && p.includes('.')) {
        const v4 = parseIpv4(p);
        if (v4 === undefined) return undefined;
        out.push(Math.floor(v4 / 65536), v4 % 65536);
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return undefined;
      out.push(parseInt(p, 16));
    }
    return out;
  };
  if (halves.length === 2) {
    const head = parseSide(halves[0]!, false);
    tail = parseSide(halves[1]!, true);
    if (!head || !tail || head.length + tail.length > 7) return undefined;
    groups.push(...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail);
  } else {
    const all = parseSide(s, true);
    if (!all || all.length !== 8) return undefined;
    groups.push(...all);
  }
  const w = (i: number) => (groups[i]! * 65536 + groups[i + 1]!) >>> 0;
  return [w(0), w(2), w(4), w(6)];
}

export function parseIp(s: string): ParsedIp | undefined {
  const v4 = parseIpv4(s);
  if (v4 !== undefined) return { v: 4, n: v4 };
  if (!s.includes(':')) return undefined;
  const w = parseIpv6Words(s);
  if (!w) return undefined;
  // IPv4-mapped: ::ffff:a.b.c.d
  if (w[0] === 0 && w[1] === 0 && w[2] === 0xffff) return { v: 4, n: w[3] };
  return { v: 6, w };
}

export function isIp(s: string): boolean {
  return parseIp(s) !== undefined;
}

interface V4Range { readonly net: number; readonly mask: number; readonly entry: string }
interface V6Range { readonly net: readonly number[]; readonly mask: readonly number[]; readonly entry: string }

function v4Mask(bits: number): number {
  return bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
}

/** A set of CIDR ranges (or single addresses) of both families. */
export class CidrSet {
  private readonly v4: V4Range[] = [];
  private readonly v6: V6Range[] = [];
  readonly size: number;

  /** Throws with the offending entry when one is not an address or CIDR. */
  constructor(readonly entries: readonly string[]) {
    for (const e of entries) this.addEntry(e);
    this.size = entries.length;
  }

  private addEntry(entry: string): void {
    const slash = entry.indexOf('/');
    const addr = slash === -1 ? entry : entry.slice(0, slash);
    const ip = parseIp(addr);
    if (!ip) throw new Error(`"${entry}" is not an IP address or CIDR`);
    const max = ip.v === 4 && !addr.includes(':') ? 32 : 128;
    let bits = max;
    if (slash !== -1) {
      const b = entry.slice(slash + 1);
      if (!/^\d{1,3}$/.test(b) || Number(b) > max) throw new Error(`"${entry}" has an invalid prefix length (0-${max})`);
      bits = Number(b);
    }
    if (ip.v === 4) {
      // An IPv4-mapped IPv6 CIDR (::ffff:0:0/96 + n) is the IPv4 CIDR of n bits.
      const b4 = max === 128 ? Math.max(0, bits - 96) : bits;
      const mask = v4Mask(b4);
      this.v4.push({ net: (ip.n & mask) >>> 0, mask, entry });
      return;
    }
    const mask = [0, 1, 2, 3].map((i) => v4Mask(Math.min(32, Math.max(0, bits - 32 * i))));
    this.v6.push({ net: ip.w.map((w, i) => (w & mask[i]!) >>> 0), mask, entry });
  }

  has(ip: ParsedIp | undefined): boolean {
    return this.match(ip) !== undefined;
  }

  /** The first entry that contains `ip` (for the trace: "matched 10.0.0.0/8"). */
  match(ip: ParsedIp | undefined): string | undefined {
    if (!ip) return undefined;
    if (ip.v === 4) {
      for (const r of this.v4) if (((ip.n & r.mask) >>> 0) === r.net) return r.entry;
      return undefined;
    }
    outer: for (const r of this.v6) {
      for (let i = 0; i < 4; i++) if (((ip.w[i]! & r.mask[i]!) >>> 0) !== r.net[i]) continue outer;
      return r.entry;
    }
    return undefined;
  }
}
