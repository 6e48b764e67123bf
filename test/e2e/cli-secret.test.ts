import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { masterKeysFromEnv, open } from '../../src/ai/keys/crypto.js';
import { openSecret, SecretRefError } from '../../src/policies/_auth/secret-ref.js';
import { runCli } from '../../src/test-support/process.js';

const MASTER = 'Yq3v0cJ8m1T6pX2rN9sK4dL7fB5hW0zA3eG8uR1iO6c';
const ENV = { SLUICE_MASTER_KEY: MASTER };

/** `sluice secret`: sealing for the config without a running gateway, through the real CLI. */
describe('sluice secret', () => {
  it('seals a policy secret that the policies open, and only they', async () => {
    const r = await runCli(['secret', 'seal', '--for', 'policy-secret'], ENV, 'hmac-signing-secret-0123456789abcdef\n');
    expect(r.code, r.stderr).toBe(0);
    const sealed = r.stdout.trim();
    expect(sealed).toMatch(/^enc:v1:[0-9a-f]{8}:[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain('hmac-signing');
    expect(openSecret(sealed, ENV)).toBe('hmac-signing-secret-0123456789abcdef');
    // Bound to its kind: a sealed policy secret is not a provider key.
    expect(() => open(sealed, masterKeysFromEnv(ENV))).toThrow(/provider key/);
  });

  it('seals a provider key by default, which a policy cannot open', async () => {
    const r = await runCli(['secret', 'seal'], ENV, 'sk-provider-key-000001');
    expect(r.code, r.stderr).toBe(0);
    const sealed = r.stdout.trim();
    expect(open(sealed, masterKeysFromEnv(ENV))).toBe('sk-provider-key-000001');
    expect(() => openSecret(sealed, ENV)).toThrow(SecretRefError);
  });

  it('prints a new master key that seals and opens', async () => {
    const k = await runCli(['secret', 'new-master-key']);
    expect(k.code).toBe(0);
    const master = k.stdout.trim();
    expect(Buffer.from(master, 'base64url')).toHaveLength(32);
    const r = await runCli(['secret', 'seal', '--for', 'policy-secret'], { SLUICE_MASTER_KEY: master }, 'x'.repeat(40));
    expect(openSecret(r.stdout.trim(), { SLUICE_MASTER_KEY: master })).toBe('x'.repeat(40));
  });

  it('says what is missing: no master key, no secret, an unknown kind', async () => {
    const env = { SLUICE_MASTER_KEY: '', SLUICE_MASTER_KEY_FILE: '' };
    const noKey = await runCli(['secret', 'seal'], env, 'abc');
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain('set SLUICE_MASTER_KEY');
    const empty = await runCli(['secret', 'seal'], ENV, '  \n');
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('no secret on stdin');
    const kind = await runCli(['secret', 'seal', '--for', 'jwt'], ENV, 'abc');
    expect(kind.code).toBe(64);
    expect(kind.stderr).toContain('--for must be one of provider-key, policy-secret (got jwt)');
  });

  it('the earlier `node dist/ai/keys/seal-cli.js` still seals provider keys', async () => {
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, [join(import.meta.dirname, '..', '..', 'dist', 'ai', 'keys', 'seal-cli.js')], { env: { ...process.env, ...ENV } });
      let text = '';
      child.stdout.on('data', (d: Buffer) => (text += d.toString()));
      child.on('close', (code) => (code === 0 ? resolve(text.trim()) : reject(new Error(`exit ${code}`))));
      child.stdin.end('sk-old-spelling');
    });
    expect(open(out, masterKeysFromEnv(ENV))).toBe('sk-old-spelling');
  });
});
