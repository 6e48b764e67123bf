import { CidrSet, parseIp } from '../../core/ip.js';
import { allow, definePolicy, deny, type CompileContext } from '../../core/policy.js';
import { defineReasons } from '../../core/reasons.js';
import { IpRestrictionSchema, type IpRestrictionConfig } from './schema.js';

export const reasons = defineReasons([
  { code: 'ip.denied', status: 403, title: 'Client address denied', description: 'The client address is in the ip-restriction policy\'s `deny` list. The trace names the matching entry.' },
  { code: 'ip.not_allowed', status: 403, title: 'Client address not allowed', description: 'The ip-restriction policy has an `allow` list and the client address is not in it.' },
]);

function cidrs(list: readonly string[] | undefined, field: string, ctx: CompileContext): CidrSet | undefined {
  if (!list || list.length === 0) return undefined;
  list.forEach((entry, i) => {
    try {
      new CidrSet([entry]);
    } catch (err) {
      ctx.fail(`${field}[${i}]`, (err as Error).message);
    }
  });
  return new CidrSet(list);
}

/**
 * Allow/deny lists of IPv4 and IPv6 CIDRs, checked before authentication (phase `guard`), so a
 * banned address gets 403 even without a credential. Attached to a consumer, it runs after
 * authentication with that consumer's own lists.
 */
export const ipRestriction = definePolicy<IpRestrictionConfig>({
  name: 'ip-restriction',
  phase: 'guard',
  priority: 10,
  summary: 'Allow or deny client addresses by IPv4/IPv6 CIDR (403).',
  schema: IpRestrictionSchema,
  reasons,
  compile(config, ctx) {
    const allowSet = cidrs(config.allow, 'allow', ctx);
    const denySet = cidrs(config.deny, 'deny', ctx);
    if (!allowSet && !denySet) ctx.fail('', 'set at least one of "allow" or "deny"');
    const usePeer = config.source === 'peer';
    return {
      evaluate(req) {
        const addr = usePeer ? req.remoteAddress : req.clientIp;
        const ip = parseIp(addr);
        const denied = denySet?.match(ip);
        if (denied !== undefined) {
          return deny('ip.denied', `Client address ${addr} is not permitted.`, { data: { address: addr, matched: denied, list: 'deny' } });
        }
        if (allowSet) {
          const allowed = allowSet.match(ip);
          if (allowed === undefined) {
            return deny('ip.not_allowed', `Client address ${addr} is not permitted.`, { data: { address: addr, allow: allowSet.size } });
          }
          return allow(undefined, { address: addr, matched: allowed, list: 'allow' });
        }
        return allow(undefined, { address: addr });
      },
    };
  },
});

export default ipRestriction;
