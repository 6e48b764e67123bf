import type { JsonWebKey } from 'node:crypto';
import type { ConsumerIdentity, CredentialIdentity } from '../../core/context.js';
import type { CompileContext } from '../../core/policy.js';
import { importJwk, importPem, importSecret, keyFits, type Algorithm, type VerifyKey } from './keys.js';
import type { InlineKey, JwtCredential } from './schema.js';

/** Imports the config's keys once per version; refuses keys that could never verify anything. */
export function inlineKeys(list: readonly InlineKey[], ctx: CompileContext): VerifyKey[] {
  return list.map((k, i) => {
    const given = [k.secret, k.pem, k.jwk].filter((v) => v !== undefined).length;
    if (given !== 1) ctx.fail(`keys[${i}]`, 'set exactly one of "secret", "pem" or "jwk"');
    let key: VerifyKey['key'];
    try {
      if (k.secret !== undefined) key = importSecret(k.secret, k.secret_encoding ?? 'utf8');
      else if (k.pem !== undefined) key = importPem(k.pem);
      else key = importJwk(k.jwk as JsonWebKey);
    } catch (err) {
      ctx.fail(`keys[${i}]`, `is not a usable key: ${(err as Error).message}`);
    }
    if (k.alg && !keyFits(k.alg, key)) ctx.fail(`keys[${i}].alg`, `${k.alg} cannot be verified with this key (wrong type, curve, or too short)`);
    if (key.type === 'secret' && (key.symmetricKeySize ?? 0) < 32) ctx.fail(`keys[${i}].secret`, 'an HMAC secret must be at least 32 bytes (RFC 7518 §3.2)');
    if (key.type === 'public' && !(['HS256', 'RS256', 'PS256', 'ES256', 'ES384', 'ES512', 'EdDSA'] as Algorithm[]).some((a) => keyFits(a, key))) {
      ctx.fail(`keys[${i}]`, 'is not a supported verification key (RSA of at least 2048 bits, EC P-256/384/521, Ed25519/Ed448)');
    }
    return { kid: k.kid, alg: k.alg, key, source: 'inline' as const };
  });
}

export interface Subject {
  readonly issuer: string | undefined;
  readonly consumer: ConsumerIdentity;
  readonly credentialId: string;
}

/** consumer-claim value → candidates (an exact issuer match wins over a credential without issuer). */
export function subjects(ctx: CompileContext): Map<string, Subject[]> {
  const map = new Map<string, Subject[]>();
  for (const rec of ctx.credentials('jwt')) {
    const f = rec.fields as Omit<JwtCredential, 'id' | 'type'>;
    const list = map.get(f.subject) ?? [];
    const clash = list.find((s) => s.issuer === f.issuer);
    if (clash) ctx.fail('', `jwt credentials ${JSON.stringify(clash.credentialId)} and ${JSON.stringify(rec.id)} both map subject ${JSON.stringify(f.subject)}${f.issuer ? ` of issuer ${JSON.stringify(f.issuer)}` : ''}`);
    list.push({ issuer: f.issuer, consumer: rec.consumer, credentialId: rec.id });
    map.set(f.subject, list);
  }
  return map;
}

export function findSubject(map: ReadonlyMap<string, Subject[]>, value: string, iss: unknown): Subject | undefined {
  const list = map.get(value);
  if (!list) return undefined;
  return list.find((s) => s.issuer !== undefined && s.issuer === iss) ?? list.find((s) => s.issuer === undefined);
}

export function credentialOf(id: string, scopes: readonly string[]): CredentialIdentity {
  return { id, type: 'jwt', scopes };
}
