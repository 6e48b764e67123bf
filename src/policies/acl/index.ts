import type { ConsumerIdentity } from '../../core/context.js';
import { allow, definePolicy, deny, type Decision } from '../../core/policy.js';
import { defineReasons } from '../../core/reasons.js';
import { AclSchema, type AclConfig } from './schema.js';

export const reasons = defineReasons([
  { code: 'acl.denied', status: 403, title: 'Consumer denied', description: 'The consumer, or one of its groups, is in the acl policy\'s `deny_consumers` / `deny` list. The trace names the matching entry and the consumer\'s groups.' },
  { code: 'acl.not_allowed', status: 403, title: 'Consumer not allowed', description: 'The acl policy has an allow list (`allow` groups and/or `allow_consumers`) and the consumer matches none of it. The trace lists the consumer\'s groups.' },
  { code: 'acl.no_consumer', status: 403, title: 'No consumer identified', description: 'The acl policy runs after authentication, but no consumer was identified: attach an authentication policy (key-auth, jwt…, or an anonymous fallback) to the route, service or globally.' },
]);

const GROUPS_HEADER = 'x-consumer-groups';
const set = (list: readonly string[] | undefined): ReadonlySet<string> | undefined => (list && list.length > 0 ? new Set(list) : undefined);

function firstIn(groups: readonly string[], s: ReadonlySet<string> | undefined): string | undefined {
  if (!s) return undefined;
  for (const g of groups) if (s.has(g)) return g;
  return undefined;
}

/**
 * Consumer-group access control lists (Kong's acl, APISIX's consumer-restriction): runs in phase
 * `authorize`, once authentication identified the consumer. Deny wins over allow.
 */
export const acl = definePolicy<AclConfig>({
  name: 'acl',
  phase: 'authorize',
  priority: 10,
  summary: 'Allow or deny consumers by group or id (403).',
  schema: AclSchema,
  reasons,
  compile(config, ctx) {
    const allowGroups = set(config.allow);
    const denyGroups = set(config.deny);
    const allowIds = set(config.allow_consumers);
    const denyIds = set(config.deny_consumers);
    if (!allowGroups && !denyGroups && !allowIds && !denyIds) ctx.fail('', 'set at least one of "allow", "deny", "allow_consumers" or "deny_consumers"');
    const hasAllowList = allowGroups !== undefined || allowIds !== undefined;
    const hideGroups = config.hide_groups_header ?? false;

    const facts = (c: ConsumerIdentity, extra: Record<string, unknown>) => ({
      consumer: c.id,
      groups: c.groups,
      ...(c.anonymous ? { anonymous: true } : {}),
      ...extra,
    });

    function decide(c: ConsumerIdentity): Decision {
      if (denyIds?.has(c.id)) {
        return deny('acl.denied', `Consumer "${c.id}" may not use this route.`, { data: facts(c, { matched: c.id, list: 'deny_consumers' }) });
      }
      const deniedGroup = firstIn(c.groups, denyGroups);
      if (deniedGroup !== undefined) {
        return deny('acl.denied', `Consumer "${c.id}" may not use this route.`, { data: facts(c, { matched: deniedGroup, list: 'deny' }) });
      }
      if (!hasAllowList) return allow(undefined, facts(c, {}));
      if (allowIds?.has(c.id)) return allow(undefined, facts(c, { matched: c.id, list: 'allow_consumers' }));
      const allowedGroup = firstIn(c.groups, allowGroups);
      if (allowedGroup !== undefined) return allow(undefined, facts(c, { matched: allowedGroup, list: 'allow' }));
      return deny('acl.not_allowed', `Consumer "${c.id}" is not in a group allowed on this route.`, { data: facts(c, {}) });
    }

    return {
      evaluate(req) {
        const c = req.consumer;
        if (!c) {
          return deny('acl.no_consumer', 'No consumer was identified for this request; this route only serves known consumers.', {
            data: { allow: config.allow ?? [], allow_consumers: config.allow_consumers ?? [] },
          });
        }
        const d = decide(c);
        if (d.outcome === 'allow') {
          // The upstream must never trust a client-sent groups header.
          if (hideGroups || c.groups.length === 0) req.upstream.removeHeader(GROUPS_HEADER);
          else req.upstream.setHeader(GROUPS_HEADER, c.groups.join(', '));
        }
        return d;
      },
    };
  },
});

export default acl;
