import { randomBytes } from 'node:crypto';
import { seal as sealProviderKey } from '../../ai/keys/crypto.js';
import { masterKeysFromEnv, type MasterKey } from '../../config/sealing.js';
import { sealSecret as sealPolicySecret } from '../../policies/_auth/secret-ref.js';
import { parse, UsageError } from '../args.js';

/** What a sealed value is for: each kind seals with its own associated data, so one cannot stand in for the other. */
const KINDS: Record<string, { readonly seal: (plain: string, master: MasterKey) => string; readonly where: string }> = {
  'provider-key': { seal: sealProviderKey, where: 'ai.providers[].keys[].secret (and the AWS fields)' },
  'policy-secret': { seal: sealPolicySecret, where: 'policy secrets: hmac-auth credentials, oauth2 introspection client_secret' },
};

export const SECRET_HELP = `Usage:
  sluice secret new-master-key          print a fresh random master key (32 bytes, base64url)
  sluice secret seal [--for KIND] < secret.txt
                                        print enc:v1:… sealed under SLUICE_MASTER_KEY (or SLUICE_MASTER_KEY_FILE)
KIND: ${Object.entries(KINDS).map(([k, v]) => `${k} (${v.where})`).join('; ')}. Default provider-key.
The secret is read from stdin, so it stays out of shell history.
`;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').trim();
}

/** `sluice secret …`: seal secrets for the config without a running gateway. */
export async function secretCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'new-master-key') {
    process.stdout.write(`${randomBytes(32).toString('base64url')}\n`);
    return 0;
  }
  if (sub === undefined || sub === 'help' || sub === '--help' || sub === '-h') {
    process.stdout.write(SECRET_HELP);
    return 0;
  }
  if (sub !== 'seal') throw new UsageError(`unknown secret command "${sub}" (new-master-key, seal)`);
  const { values } = parse(rest, { for: { type: 'string' } });
  const kindName = values.for ?? 'provider-key';
  const kind = KINDS[kindName];
  if (!kind) throw new UsageError(`--for must be one of ${Object.keys(KINDS).join(', ')} (got ${kindName})`);
  const [master] = masterKeysFromEnv();
  if (!master) {
    process.stderr.write('sluice: set SLUICE_MASTER_KEY (or SLUICE_MASTER_KEY_FILE) to the master key (see sluice secret new-master-key)\n');
    return 2;
  }
  const secret = await readStdin();
  if (!secret) {
    process.stderr.write('sluice: no secret on stdin\n');
    return 2;
  }
  process.stdout.write(`${kind.seal(secret, master)}\n`);
  return 0;
}
