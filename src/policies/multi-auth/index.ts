import type { RequestContext } from '../../core/context.js';
import { definePolicy, deny, type CompiledPart, type Decision, type DenyDecision, type PolicyInstance } from '../../core/policy.js';
import { defineReasons, GATEWAY_REASONS } from '../../core/reasons.js';
import { joinChallenges } from '../_auth/challenge.js';
import { compileAuthBase, isMissing, noCredential, SHARED_AUTH_REASONS } from '../_auth/outcome.js';
import { MultiAuthSchema, type MultiAuthConfig } from './schema.js';

export const reasons = defineReasons([
  {
    code: 'auth.credential_missing',
    status: 401,
    title: 'No accepted credential',
    description: 'The multi-auth policy accepts several authentication methods and the request carries a credential of none of them. `WWW-Authenticate` lists the challenge of every method; the trace records what each method found. (When a credential is present but invalid, the client gets that method\'s own code instead.)',
  },
  ...SHARED_AUTH_REASONS,
]);

interface Method {
  readonly name: string;
  readonly part: CompiledPart;
  /** Status of each code the method may answer with (its reasons, plus the gateway's own). */
  readonly status: ReadonlyMap<string, number>;
}

/** What the trace keeps of one method's decision. */
interface Tried {
  readonly method: string;
  readonly outcome: string;
  readonly code?: string;
  readonly detail?: string;
}

const GATEWAY_STATUS = new Map(GATEWAY_REASONS.map((r) => [r.code, r.status]));
const SHOWN_DETAIL = 200;

function isPromise<T>(v: T | Promise<T>): v is Promise<T> {
  return typeof (v as { then?: unknown } | null)?.then === 'function';
}

/** The auth scheme of a challenge (`Key`, `Bearer`, `Signature`…), to list each scheme once. */
const schemeOf = (c: string) => /^\s*(\S+)/.exec(c)?.[1]?.toLowerCase() ?? c;

/**
 * "Any one of these": a request is authenticated by the first of several authentication methods that
 * accepts it. Each method is a real policy compiled as a part of this one (so it keeps its own config,
 * schema, credentials and state); the trace records what every method tried said, and the client gets
 * the most relevant refusal.
 */
export const multiAuth = definePolicy<MultiAuthConfig>({
  name: 'multi-auth',
  phase: 'authenticate',
  priority: 50,
  summary: 'Accept any one of several authentication methods (key-auth, basic-auth, jwt, hmac-auth, oauth2-introspection); the most relevant refusal wins (401).',
  schema: MultiAuthSchema,
  reasons,
  compile(config, ctx) {
    if (!ctx.compilePolicy) ctx.fail('', 'this gateway cannot compile policies as parts of another one');
    const seen = new Set<string>();
    const methods: Method[] = config.methods.map((m, i) => {
      if (m.name === 'multi-auth') ctx.fail(`methods[${i}].name`, 'multi-auth cannot contain itself');
      if (seen.has(m.name)) ctx.fail(`methods[${i}].name`, `${m.name} is listed twice; configure one instance (a policy may hold several keys or rules)`);
      seen.add(m.name);
      if (m.config?.['anonymous'] !== undefined) {
        ctx.fail(`methods[${i}].config.anonymous`, 'set anonymous on multi-auth itself: inside a method it would accept a request without that credential before the other methods are tried');
      }
      const part = ctx.compilePolicy!(m.name, m.config ?? {}, `methods[${i}].config`) ?? ctx.fail(`methods[${i}].name`, `unknown policy ${JSON.stringify(m.name)}`);
      if (part.definition.phase !== 'authenticate') ctx.fail(`methods[${i}].name`, `${m.name} is not an authentication policy (its phase is ${part.definition.phase})`);
      const status = new Map<string, number>(GATEWAY_STATUS);
      for (const r of part.definition.reasons) status.set(r.code, r.status);
      return { name: m.name, part, status };
    });
    const names = methods.map((m) => m.name);
    const base = compileAuthBase('multi-auth', { anonymous: config.anonymous, upstream_headers: config.upstream_headers }, '', ctx);
    const accepted = names.length > 1 ? `${names.slice(0, -1).join(', ')} or ${names.at(-1)!}` : names[0]!;
    const evaluatedKey = `multi-auth:${ctx.policyId}`;
    const hooked = methods.some((m) => 'onResponse' in m.part.instance || 'onFinish' in m.part.instance);

    /** Most relevant refusal: a credential that could not be checked (5xx), then a present but invalid one, then "missing". */
    function rank(m: Method, d: DenyDecision): number {
      if (isMissing(d)) return 0;
      return (m.status.get(d.code) ?? 401) >= 500 ? 2 : 1;
    }

    function refuse(req: RequestContext, denials: readonly { m: Method; d: DenyDecision }[], tried: readonly Tried[]): Decision {
      const challenges = denials.map((x) => x.d.headers?.['www-authenticate']);
      let best: { m: Method; d: DenyDecision } | undefined;
      for (const x of denials) if (!best || rank(x.m, x.d) > rank(best.m, best.d)) best = x;
      if (!best || rank(best.m, best.d) === 0) {
        const data = { methods: tried, presented: false };
        if (base.anonymous) return noCredential(req, base, 'auth.credential_missing', '', data);
        return deny('auth.credential_missing', `No credentials were sent. This route accepts ${accepted}.`, { headers: { 'www-authenticate': joinChallenges(challenges) }, data });
      }
      const { m, d } = best;
      const headers: Record<string, string> = { ...d.headers };
      if ((m.status.get(d.code) ?? 401) === 401) {
        // The chosen method's challenge (with its error) first, then one challenge per other scheme.
        const first = d.headers?.['www-authenticate'];
        const list = [first];
        const schemes = new Set(first ? [schemeOf(first)] : []);
        for (const c of challenges) {
          if (c === undefined || schemes.has(schemeOf(c))) continue;
          schemes.add(schemeOf(c));
          list.push(c);
        }
        headers['www-authenticate'] = joinChallenges(list);
      }
      return { ...d, headers, data: { ...d.data, method: m.name, methods: tried } };
    }

    function run(req: RequestContext, i: number, tried: Tried[], denials: { m: Method; d: DenyDecision }[], fallback: Decision | undefined): Decision | Promise<Decision> {
      for (; i < methods.length; i++) {
        const m = methods[i]!;
        req.locals.set(evaluatedKey, i + 1);
        const r = m.part.instance.evaluate(req);
        if (isPromise(r)) {
          const at = i;
          return r.then((d) => {
            const next = settle(req, m, d, tried, denials, fallback);
            return next.done ?? run(req, at + 1, tried, denials, next.fallback);
          });
        }
        const next = settle(req, m, r, tried, denials, fallback);
        if (next.done) return next.done;
        fallback = next.fallback;
      }
      return fallback ? { ...fallback, data: { ...fallback.data, methods: tried } } : refuse(req, denials, tried);
    }

    /** Records one method's decision; `done` when it authenticated the request. */
    function settle(req: RequestContext, m: Method, d: Decision, tried: Tried[], denials: { m: Method; d: DenyDecision }[], fallback: Decision | undefined): { done?: Decision; fallback?: Decision } {
      tried.push({ method: m.name, outcome: d.outcome, ...(d.code ? { code: d.code } : {}), ...(d.detail ? { detail: d.detail.slice(0, SHOWN_DETAIL) } : {}) });
      if (d.outcome === 'deny') {
        denials.push({ m, d });
        return { fallback };
      }
      if (d.outcome === 'allow' && req.consumer && !req.consumer.anonymous) {
        return { done: { outcome: 'allow', code: d.code, detail: `${m.name}: ${d.detail ?? `consumer ${req.consumer.id}`}`, data: { method: m.name, ...d.data, methods: tried } } };
      }
      // Allowed without a consumer (a method failing open): used only if no other method authenticates.
      return { fallback: d.outcome === 'allow' ? (fallback ?? { ...d, data: { method: m.name, ...d.data } }) : fallback };
    }

    const instance: PolicyInstance = {
      evaluate(req) {
        return run(req, 0, [], [], undefined);
      },
    };
    if (hooked) {
      instance.onResponse = (req, res) => {
        const n = (req.locals.get(evaluatedKey) as number | undefined) ?? 0;
        for (let i = 0; i < n; i++) methods[i]!.part.instance.onResponse?.(req, res);
      };
      instance.onFinish = (req, info) => {
        const n = (req.locals.get(evaluatedKey) as number | undefined) ?? 0;
        for (let i = 0; i < n; i++) methods[i]!.part.instance.onFinish?.(req, info);
      };
    }
    return instance;
  },
});

export default multiAuth;
