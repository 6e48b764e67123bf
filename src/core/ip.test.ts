import { describe, expect, it } from 'vitest';
import { CidrSet, parseIp, parseIpv4 } from './ip.js';

describe('parseIp', () => {
  it('parses IPv4 strictly', () => {
    expect(parseIpv4('10.1.2.3')).toBe(0x0a010203);
    expect(parseIpv4('255.255.255.255')).toBe(0xffffffff);
    for (const bad of ['10.1.2', '10.1.2.3.4', '256.1.1.1', '01.2.3.4', '1..2.3', '', 'a.b.c.d', '1.2.3.4 ']) expect(parseIpv4(bad)).toBeUndefined();
  });

  it('parses IPv6 forms and folds IPv4-mapped addresses to IPv4', () => {
    expect(parseIp('::1')).toEqual({ v: 6, w: [0, 0, 0, 1] });
    expect(parseIp('2001:db8::8a2e:370:7334')).toEqual({ v: 6, w: [0x20010db8, 0, 0x8a2e, 0x03707334] });
    expect(parseIp('fe80::1%eth0')).toEqual({ v: 6, w: [0xfe800000, 0, 0, 1] });
    expect(parseIp('::ffff:10.0.0.1')).toEqual({ v: 4, n: 0x0a000001 });
    for (const bad of ['1:2:3:4:5:6:7:8:9', ':::', '12345::', 'g::1', '1::2::3']) expect(parseIp(bad)).toBeUndefined();
  });
});

describe('CidrSet', () => {
  const set = new CidrSet(['10.0.0.0/8', '192.168.1.7', '2001:db8::/32', '::ffff:172.16.0.0/108']);

  it('matches IPv4 ranges and single addresses, naming the entry', () => {
    expect(set.match(parseIp('10.200.3.4'))).toBe('10.0.0.0/8');
    expect(set.match(parseIp('192.168.1.7'))).toBe('192.168.1.7');
    expect(set.match(parseIp('192.168.1.8'))).toBeUndefined();
    expect(set.match(parseIp('11.0.0.1'))).toBeUndefined();
  });

  it('matches IPv6 ranges and IPv4-mapped input against IPv4 entries', () => {
    expect(set.match(parseIp('2001:db8:ffff::1'))).toBe('2001:db8::/32');
    expect(set.match(parseIp('2001:db9::1'))).toBeUndefined();
    expect(set.match(parseIp('::ffff:10.9.9.9'))).toBe('10.0.0.0/8');
    // An IPv4-mapped CIDR (/108 = IPv4 /12) matches plain IPv4 input.
    expect(set.match(parseIp('172.20.1.1'))).toBe('::ffff:172.16.0.0/108');
    expect(set.match(parseIp('172.32.0.1'))).toBeUndefined();
  });

  it('handles /0 and /32 boundaries', () => {
    expect(new CidrSet(['0.0.0.0/0']).has(parseIp('203.0.113.9'))).toBe(true);
    expect(new CidrSet(['::/0']).has(parseIp('2001:db8::1'))).toBe(true);
    expect(new CidrSet(['203.0.113.9/32']).has(parseIp('203.0.113.10'))).toBe(false);
  });

  it('refuses invalid entries with the entry named', () => {
    expect(() => new CidrSet(['10.0.0.0/33'])).toThrow('"10.0.0.0/33" has an invalid prefix length (0-32)');
    expect(() => new CidrSet(['nope'])).toThrow('"nope" is not an IP address or CIDR');
    expect(() => new CidrSet(['::1/129'])).toThrow('invalid prefix length (0-128)');
  });
});
