import { constants, createHmac, createPublicKey, createSecretKey, verify as cryptoVerify, type JsonWebKey, type KeyObject } from 'node:crypto';
import { safeEqual } from '../_auth/secrets.js';

/**
 * JWS signature verification with node:crypto, synchronously. jose v6 verifies through WebCrypto and
 * is always asynchronous; measured here, jose.jwtVerify costs ~90 µs per HS256 token against ~20 µs for
 * this path, and a promise makes the rest of the request pipeline asynchronous too. jose is the
 * independent implementation the tests sign every algorithm with.
 */
export const ALGORITHMS = ['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;
export type Algorithm = (typeof ALGORITHMS)[number];

export function isAlgorithm(s: unknown): s is Algorithm {
  return typeof s === 'string' && (ALGORITHMS as readonly string[]).includes(s);
}

const HASH: Record<Exclude<Algorithm, 'EdDSA'>, string> = {
  HS256: 'sha256', HS384: 'sha384', HS512: 'sha512',
  RS256: 'sha256', RS384: 'sha384', RS512: 'sha512',
  PS256: 'sha256', PS384: 'sha384', PS512: 'sha512',
  ES256: 'sha256', ES384: 'sha384', ES512: 'sha512',
};
const CURVE: Record<string, string> = { ES256: 'prime256v1', ES384: 'secp384r1', ES512: 'secp521r1' };

/** A key that may verify tokens: from the config (`inline`) or from the JWKS URL. */
export interface VerifyKey {
  readonly kid: string | undefined;
  /** The key's own `alg`, when it declares one: tokens must then use exactly it. */
  readonly alg: string | undefined;
  readonly key: KeyObject;
  readonly source: 'inline' | 'jwks';
}

/** Whether `key` is of the type and size `alg` needs (no HS with a public key, no RSA under 2048 bits). */
export function keyFits(alg: Algorithm, key: KeyObject): boolean {
  const family = alg.slice(0, 2);
  if (family === 'HS') return key.type === 'secret' && (key.symmetricKeySize ?? 0) >= Number(alg.slice(2)) / 8;
  if (key.type !== 'public') return false;
  const t = key.asymmetricKeyType;
  const d = key.asymmetricKeyDetails;
  if (family === 'RS') return t === 'rsa' && (d?.modulusLength ?? 0) >= 2048;
  if (family === 'PS') return (t === 'rsa' || t === 'rsa-pss') && (d?.modulusLength ?? 0) >= 2048;
  if (family === 'ES') return t === 'ec' && d?.namedCurve === CURVE[alg];
  return t === 'ed25519' || t === 'ed448';
}

/** Verifies a JWS signature; any crypto error (wrong length, bad encoding) is simply "not valid". */
export function verifySignature(alg: Algorithm, key: KeyObject, signingInput: Buffer, signature: Buffer): boolean {
  try {
    if (alg === 'EdDSA') return cryptoVerify(null, signingInput, key, signature);
    const hash = HASH[alg];
    switch (alg.slice(0, 2)) {
      case 'HS':
        return safeEqual(createHmac(hash, key).update(signingInput).digest(), signature);
      case 'RS':
        return cryptoVerify(hash, signingInput, key, signature);
      case 'PS':
        return cryptoVerify(hash, signingInput, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }, signature);
      default:
        return cryptoVerify(hash, signingInput, { key, dsaEncoding: 'ieee-p1363' }, signature);
    }
  } catch {
    return false;
  }
}

/** A JWK as a verification key: `oct` as a secret, RSA/EC/OKP as a public key (a private JWK yields its public half). */
export function importJwk(jwk: JsonWebKey): KeyObject {
  if (jwk.kty === 'oct') {
    if (typeof jwk.k !== 'string') throw new Error('oct key without "k"');
    return createSecretKey(Buffer.from(jwk.k, 'base64url'));
  }
  return createPublicKey({ key: jwk, format: 'jwk' });
}

/** A PEM public key (SPKI, PKCS#1) or X.509 certificate. */
export function importPem(pem: string): KeyObject {
  return createPublicKey(pem);
}

export function importSecret(secret: string, encoding: 'utf8' | 'base64' | 'base64url'): KeyObject {
  return createSecretKey(Buffer.from(secret, encoding));
}
