import { describe, expect, it } from 'vitest';
import { CidrSet } from '../core/ip.js';
import { normalizeAddress, resolveClientIp } from './client-ip.js';

describe('resolveClientIp', () => {
  const trusted = new CidrSet(['10.0.0.0/8', '127.0.0.1']);

  it('uses the peer when no proxy is trusted or the peer is not trusted (no spoofing)', () => {
    expect(resolveClientIp('203.0.113.5', '1.2.3.4', undefined)).toBe('203.0.113.5');
    expect(resolveClientIp('203.0.113.5', '1.2.3.4', trusted)).toBe('203.0.113.5');
  });

  it('walks X-Forwarded-For from the right, skipping trusted hops', () => {
    expect(resolveClientIp('10.0.0.2', '198.51.100.7', trusted)).toBe('198.51.100.7');
    expect(resolveClientIp('10.0.0.2', '6.6.6.6, 198.51.100.7, 10.1.1.1', trusted)).toBe('198.51.100.7');
    expect(resolveClientIp('127.0.0.1', ['6.6.6.6', '10.9.9.9'], trusted)).toBe('6.6.6.6');
  });

  it('stops at a malformed hop and keeps the last good address', () => {
    expect(resolveClientIp('10.0.0.2', 'garbage, 198.51.100.7', trusted)).toBe('198.51.100.7');
    expect(resolveClientIp('10.0.0.2', '10.1.1.1, not-an-ip', trusted)).toBe('10.0.0.2');
  });

  it('normalizes IPv4-mapped IPv6 peers', () => {
    expect(normalizeAddress('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(normalizeAddress('::1')).toBe('::1');
  });
});
