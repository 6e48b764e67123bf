import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { masterKeyFrom, masterKeysFromEnv, openSealed, SealError, sealWith } from './sealing.js';

describe('sealing', () => {
  const master = masterKeyFrom('b'.repeat(64));

  it('opens what it sealed, only with the same kind of secret (associated data)', () => {
    const sealed = sealWith('s3cret', master, 'kind.a');
    expect(sealed).toMatch(new RegExp(`^enc:v1:${master.id}:[A-Za-z0-9_-]+$`));
    expect(openSealed(sealed, [master], 'kind.a', 'a thing')).toBe('s3cret');
    expect(() => openSealed(sealed, [master], 'kind.b', 'a policy secret')).toThrow(`does not decrypt with master key ${master.id} (corrupted, edited, or not sealed as a policy secret)`);
    expect(() => openSealed('enc:v1:nope', [master], 'kind.a', 'x')).toThrow(SealError);
  });

  it('reads SLUICE_MASTER_KEY_FILE at every call, so a key rewritten in place is picked up', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'sluice-seal-')), 'master.key');
    writeFileSync(file, 'first passphrase\n');
    const first = masterKeysFromEnv({ SLUICE_MASTER_KEY_FILE: file });
    expect(first.map((k) => k.id)).toEqual([masterKeyFrom('first passphrase').id]);
    expect(masterKeysFromEnv({ SLUICE_MASTER_KEY_FILE: file })).toBe(first); // stretched once
    writeFileSync(file, 'second passphrase\n');
    expect(masterKeysFromEnv({ SLUICE_MASTER_KEY_FILE: file, SLUICE_MASTER_KEY_PREVIOUS: 'first passphrase' }).map((k) => k.id)).toEqual([masterKeyFrom('second passphrase').id, first[0]!.id]);
    expect(() => masterKeysFromEnv({ SLUICE_MASTER_KEY_FILE: join(file, 'missing') })).toThrow(/SLUICE_MASTER_KEY_FILE names .*missing, which cannot be read \((ENOTDIR|ENOENT)\)/);
  });
});
