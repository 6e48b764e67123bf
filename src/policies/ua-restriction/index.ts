import { allow, definePolicy, deny, skip, type CompileContext } from '../../core/policy.js';
import { defineReasons } from '../../core/reasons.js';
import { UaRestrictionSchema, type UaRestrictionConfig } from './schema.js';

export const reasons = defineReasons([
  { code: 'ua.denied', status: 403, title: 'User-Agent denied', description: 'The User-Agent header matches a pattern of the ua-restriction policy\'s `deny` list and none of its `allow` list. The trace names the matching pattern.' },
  { code: 'ua.not_allowed', status: 403, title: 'User-Agent not allowed', description: 'The ua-restriction policy has only an `allow` list and the User-Agent header matches none of its patterns.' },
  { code: 'ua.missing', status: 403, title: 'User-Agent required', description: 'The request has no User-Agent header and the ua-restriction policy sets `missing: deny`.' },
]);

/** Longest User-Agent excerpt echoed in details and traces (the header itself may be kilobytes). */
const SHOWN = 200;

interface Pattern {
  readonly source: string;
  readonly re: RegExp;
}

function compilePatterns(list: readonly string[] | undefined, field: string, flags: string, ctx: CompileContext): Pattern[] {
  return (list ?? []).map((source, i) => {
    try {
      return { source, re: new RegExp(source, flags) };
    } catch (err) {
      return ctx.fail(`${field}[${i}]`, `is not a valid regular expression: ${(err as Error).message}`);
    }
  });
}

function firstMatch(patterns: readonly Pattern[], ua: string): Pattern | undefined {
  for (const p of patterns) if (p.re.test(ua)) return p;
  return undefined;
}

/**
 * Bot blocking by User-Agent pattern, before authentication (phase `guard`). As in Kong's
 * bot-detection and APISIX's ua-restriction, `allow` is checked first and wins over `deny`.
 */
export const uaRestriction = definePolicy<UaRestrictionConfig>({
  name: 'ua-restriction',
  phase: 'guard',
  priority: 15,
  summary: 'Allow or deny clients by User-Agent regular expressions: bot blocking (403).',
  schema: UaRestrictionSchema,
  reasons,
  compile(config, ctx) {
    const flags = (config.ignore_case ?? true) ? 'i' : '';
    const allowList = compilePatterns(config.allow, 'allow', flags, ctx);
    const denyList = compilePatterns(config.deny, 'deny', flags, ctx);
    if (allowList.length === 0 && denyList.length === 0) ctx.fail('', 'set at least one of "allow" or "deny"');
    const denyMissing = config.missing === 'deny';
    const strictAllow = denyList.length === 0;
    return {
      evaluate(req) {
        const ua = req.header('user-agent');
        if (!ua) {
          if (denyMissing) return deny('ua.missing', 'A User-Agent header is required.', { data: { missing: 'deny' } });
          return skip('no User-Agent header (missing: allow)');
        }
        const shown = ua.length > SHOWN ? `${ua.slice(0, SHOWN)}…` : ua;
        const allowed = firstMatch(allowList, ua);
        if (allowed) return allow(undefined, { user_agent: shown, matched: allowed.source, list: 'allow' });
        if (strictAllow) {
          return deny('ua.not_allowed', `User-Agent "${shown}" is not permitted.`, { data: { user_agent: shown, allow: allowList.length } });
        }
        const denied = firstMatch(denyList, ua);
        if (denied) {
          return deny('ua.denied', `User-Agent "${shown}" is not permitted.`, { data: { user_agent: shown, matched: denied.source, list: 'deny' } });
        }
        return allow(undefined, { user_agent: shown });
      },
    };
  },
});

export default uaRestriction;
