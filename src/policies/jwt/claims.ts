import { humanDuration } from '../_auth/secrets.js';

export interface ClaimRules {
  readonly issuers: ReadonlySet<string> | undefined;
  readonly audiences: ReadonlySet<string> | undefined;
  /** Seconds of clock skew tolerated on exp and nbf. */
  readonly leeway: number;
  readonly requireExp: boolean;
}

export interface ClaimFailure {
  readonly code: 'auth.jwt_wrong_issuer' | 'auth.jwt_wrong_audience' | 'auth.jwt_expired' | 'auth.jwt_not_yet_valid' | 'auth.jwt_claim_missing' | 'auth.jwt_malformed';
  readonly detail: string;
  readonly data: Record<string, unknown>;
}

const iso = (seconds: number) => {
  const d = new Date(seconds * 1000);
  return Number.isNaN(d.getTime()) ? String(seconds) : d.toISOString();
};

/**
 * Checks the registered claims of a token whose signature is valid. Issuer and audience come first:
 * a token meant for another API never works, which matters more to the client than its age.
 */
export function checkClaims(payload: Readonly<Record<string, unknown>>, rules: ClaimRules, nowSeconds: number): ClaimFailure | undefined {
  const { iss, aud, exp, nbf } = payload;
  if (rules.issuers) {
    if (typeof iss !== 'string') return { code: 'auth.jwt_wrong_issuer', detail: 'The token has no issuer ("iss") claim.', data: { expected: [...rules.issuers] } };
    if (!rules.issuers.has(iss)) return { code: 'auth.jwt_wrong_issuer', detail: `Tokens issued by "${iss}" are not accepted here.`, data: { iss, expected: [...rules.issuers] } };
  }
  if (rules.audiences) {
    const list = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud.filter((a): a is string => typeof a === 'string') : [];
    if (!list.some((a) => rules.audiences!.has(a))) {
      return { code: 'auth.jwt_wrong_audience', detail: list.length ? 'The token is not meant for this API (its "aud" claim does not name it).' : 'The token has no audience ("aud") claim.', data: { aud: list, expected: [...rules.audiences] } };
    }
  }
  if (exp !== undefined && (typeof exp !== 'number' || !Number.isFinite(exp))) return { code: 'auth.jwt_malformed', detail: 'The token is malformed: "exp" is not a number.', data: {} };
  if (nbf !== undefined && (typeof nbf !== 'number' || !Number.isFinite(nbf))) return { code: 'auth.jwt_malformed', detail: 'The token is malformed: "nbf" is not a number.', data: {} };
  if (exp === undefined) {
    if (rules.requireExp) return { code: 'auth.jwt_claim_missing', detail: 'The token has no expiry ("exp") claim; tokens without one are not accepted.', data: { claim: 'exp' } };
  } else if (nowSeconds > exp + rules.leeway) {
    const ago = nowSeconds - exp;
    return { code: 'auth.jwt_expired', detail: `The token expired ${humanDuration(ago)} ago.`, data: { exp: iso(exp), expired_seconds_ago: Math.floor(ago), leeway_seconds: rules.leeway } };
  }
  if (nbf !== undefined && nowSeconds + rules.leeway < nbf) {
    const wait = nbf - nowSeconds;
    return { code: 'auth.jwt_not_yet_valid', detail: `The token is not valid yet; it becomes valid in ${humanDuration(wait)}.`, data: { nbf: iso(nbf), valid_in_seconds: Math.ceil(wait), leeway_seconds: rules.leeway } };
  }
  return undefined;
}

/** Scopes from a claim: a space-separated string (OAuth `scope`) or an array of strings (`scp`, `roles`). */
export function scopesFrom(value: unknown): string[] {
  if (typeof value === 'string') return value.split(' ').filter((s) => s !== '');
  if (Array.isArray(value)) return value.filter((s): s is string => typeof s === 'string');
  return [];
}
