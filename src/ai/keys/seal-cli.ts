#!/usr/bin/env node
import { randomBytes } from 'node:crypto';
import { masterKeysFromEnv, seal } from './crypto.js';

/**
 * `node dist/ai/keys/seal-cli.js < key.txt` prints `enc:v1:…` for the `ai.providers[].keys[].secret`
 * field, sealed under SLUICE_MASTER_KEY. `--new-master-key` prints a fresh random master key.
 * The secret is read from stdin so it never lands in shell history.
 */
async function main(argv: string[]): Promise<number> {
  if (argv.includes('--new-master-key')) {
    process.stdout.write(`${randomBytes(32).toString('base64url')}\n`);
    return 0;
  }
  if (argv.includes('-h') || argv.includes('--help')) {
    process.stdout.write('usage: SLUICE_MASTER_KEY=… node dist/ai/keys/seal-cli.js < secret.txt\n       node dist/ai/keys/seal-cli.js --new-master-key\n');
    return 0;
  }
  const [master] = masterKeysFromEnv();
  if (!master) {
    process.stderr.write('set SLUICE_MASTER_KEY (or SLUICE_MASTER_KEY_FILE) to the master key (see --new-master-key)\n');
    return 2;
  }
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  const secret = Buffer.concat(chunks).toString('utf8').trim();
  if (!secret) {
    process.stderr.write('no secret on stdin\n');
    return 2;
  }
  process.stdout.write(`${seal(secret, master)}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
