import type { CredentialIdentity } from '../../core/context.js';
import { allow, definePolicy, deny, skip, type Decision } from '../../core/policy.js';
import { defineReasons } from '../../core/reasons.js';
import { ScopesSchema, type ScopesConfig } from './schema.js';

export const reasons = defineReasons([
  { code: 'scope.insufficient', status: 403, title: 'Insufficient scope', description: 'The credential lacks a scope the scopes policy requires for this route and method. The answer carries `WWW-Authenticate: Bearer error="insufficient_scope", scope="…"` (RFC 6750) naming the scopes needed; the trace lists the required, granted and missing scopes.' },
  { code: 'scope.no_credential', status: 401, title: 'Credential with scopes required', description: 'The scopes policy requires scopes for this route and method, but the request was not authenticated with a credential (e.g. it was served as the anonymous consumer). The answer carries a `WWW-Authenticate: Bearer` challenge.' },
]);

/** Longest list of granted scopes kept in a trace entry. */
const SHOWN_GRANTED = 50;

interface CompiledRule {
  readonly index: number;
  readonly methods: ReadonlySet<string> | undefined;
  readonly scopes: readonly string[];
  readonly any: boolean;
  /** Precomputed `WWW-Authenticate` value of a 403 for this rule. */
  readonly challenge: string;
}

const quoted = (s: string) => `"${s.replace(/["\\]/g, '\\$&')}"`;

/** Membership test over the granted scopes: a set only when the list is long enough to pay for it. */
function grantedSet(c: CredentialIdentity): (scope: string) => boolean {
  if (c.scopes.length <= 8) return (s) => c.scopes.includes(s);
  const set = new Set(c.scopes);
  return (s) => set.has(s);
}

/**
 * Required OAuth-style scopes per route and method (phase `authorize`), read from the credential the
 * authentication policy accepted. Denials follow RFC 6750 §3.1.
 */
export const scopes = definePolicy<ScopesConfig>({
  name: 'scopes',
  phase: 'authorize',
  priority: 20,
  summary: 'Require credential scopes per route and method (403 insufficient_scope).',
  schema: ScopesSchema,
  reasons,
  compile(config) {
    const realm = config.realm !== undefined ? `realm=${quoted(config.realm)}` : undefined;
    const headIsListed = config.rules.some((r) => r.methods?.includes('HEAD'));
    const rules: CompiledRule[] = config.rules.map((r, index) => {
      let methods = r.methods ? new Set<string>(r.methods) : undefined;
      if (methods?.has('GET') && !headIsListed) methods = new Set([...methods, 'HEAD']);
      const params = [realm, 'error="insufficient_scope"', `scope=${quoted(r.scopes.join(' '))}`].filter(Boolean).join(', ');
      return { index, methods, scopes: r.scopes, any: r.match === 'any', challenge: `Bearer ${params}` };
    });
    const unauthenticated = realm ? `Bearer ${realm}` : 'Bearer';

    function check(rule: CompiledRule, cred: CredentialIdentity, method: string): Decision {
      const granted = grantedSet(cred);
      const base = {
        method,
        rule: rule.index,
        match: rule.any ? 'any' : 'all',
        required: rule.scopes,
        credential: cred.id,
        granted: cred.scopes.length > SHOWN_GRANTED ? [...cred.scopes.slice(0, SHOWN_GRANTED), `… ${cred.scopes.length - SHOWN_GRANTED} more`] : cred.scopes,
      };
      if (rule.any) {
        const held = rule.scopes.find((s) => granted(s));
        if (held !== undefined) return allow(undefined, { ...base, matched: held });
        return deny('scope.insufficient', `Insufficient scope: one of ${rule.scopes.join(', ')} is required.`, {
          headers: { 'www-authenticate': rule.challenge },
          data: { ...base, missing: rule.scopes },
        });
      }
      const missing = rule.scopes.filter((s) => !granted(s));
      if (missing.length === 0) return allow(undefined, base);
      return deny('scope.insufficient', `Insufficient scope for ${missing.join(', ')}`, {
        headers: { 'www-authenticate': rule.challenge },
        data: { ...base, missing },
      });
    }

    return {
      evaluate(req) {
        const rule = rules.find((r) => !r.methods || r.methods.has(req.method));
        if (!rule) return skip(`no scope rule covers ${req.method}`, { method: req.method });
        const cred = req.credential;
        if (!cred) {
          return deny('scope.no_credential', `${req.method} here requires the scope${rule.scopes.length > 1 ? 's' : ''} ${rule.scopes.join(rule.any ? ' or ' : ' and ')}; the request carries no credential.`, {
            headers: { 'www-authenticate': unauthenticated },
            data: { method: req.method, rule: rule.index, required: rule.scopes, consumer: req.consumer?.id },
          });
        }
        return check(rule, cred, req.method);
      },
    };
  },
});

export default scopes;
