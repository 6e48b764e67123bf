import { describe, expect, it } from 'vitest';
import { masterKeyFrom, masterKeysFromEnv, open, resolveSecret, seal, SecretError } from './crypto.js';

const A = masterKeyFrom('a'.repeat(64));
const B = masterKeyFrom('correct horse battery staple');

describe('provider key sealing', () => {
  it('round-trips and never contains the plain text', () => {
    const s = seal('sk-live-123', A);
    expect(s.startsWith(`enc:v1:${A.id}:`)).toBe(true);
    expect(s).not.toContain('sk-live-123');
    expect(open(s, [A])).toBe('sk-live-123');
    expect(seal('sk-live-123', A)).not.toBe(s); // fresh IV each time
  });

  it('names the master key a secret needs', () => {
    const s = seal('x', A);
    expect(() => open(s, [B])).toThrow(`was sealed with master key ${A.id}, but the configured master key is ${B.id}`);
    expect(() => open(s, [])).toThrow(/no master key is configured/);
    expect(open(s, [B, A])).toBe('x'); // rotation: the previous key still opens
  });

  it('detects tampering', () => {
    const s = seal('sk-abc', A);
    const tampered = s.slice(0, -3) + (s.endsWith('A') ? 'BBB' : 'AAA');
    expect(() => open(tampered, [A])).toThrow(SecretError);
  });

  it('accepts hex, base64url or a passphrase as master key', () => {
    const b64 = Buffer.alloc(32, 7).toString('base64url');
    expect(masterKeyFrom(b64).key).toEqual(Buffer.alloc(32, 7));
    expect(masterKeyFrom('ab'.repeat(32)).key).toEqual(Buffer.from('ab'.repeat(32), 'hex'));
    expect(masterKeyFrom('passphrase').key).toHaveLength(32);
    expect(masterKeysFromEnv({ SLUICE_MASTER_KEY: b64, SLUICE_MASTER_KEY_PREVIOUS: 'old' }).map((m) => m.id)).toEqual([masterKeyFrom(b64).id, masterKeyFrom('old').id]);
  });

  it('resolves env: and file: references and refuses plain text', () => {
    expect(resolveSecret('env:K', [], { K: 'v' })).toBe('v');
    expect(() => resolveSecret('env:MISSING', [], {})).toThrow('names environment variable MISSING, which is not set');
    expect(() => resolveSecret('file:/nonexistent/x', [])).toThrow(/ENOENT/);
    expect(() => resolveSecret('sk-plain', [])).toThrow(/plain-text secret/);
    expect(resolveSecret('plain:not-a-secret', [])).toBe('not-a-secret');
  });
});
