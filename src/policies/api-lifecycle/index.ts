import { definePolicy, deny, type Decision } from '../../core/policy.js';
import { defineReasons } from '../../core/reasons.js';
import { ApiLifecycleSchema, type ApiLifecycleConfig } from './schema.js';

export const reasons = defineReasons([
  { code: 'api.retired', status: 410, title: 'API retired', description: 'The API has been retired and no longer answers. The `Sunset` header says when it stopped and a `Link` with `rel="successor-version"` names its replacement when there is one.' },
  { code: 'api.deprecated', status: 200, title: 'API deprecated', description: 'Trace only: the API is deprecated; the answer carries `Deprecation` (RFC 9745), `Sunset` (RFC 8594) and `Link` headers so clients can plan the move.' },
]);

/** `Deprecation: @<epoch seconds>` (an RFC 9651 date, as RFC 9745 requires). */
export function deprecationHeader(iso: string): string {
  return `@${Math.floor(Date.parse(iso) / 1000)}`;
}

/** `Sunset: <IMF-fixdate>` (RFC 8594). */
export function sunsetHeader(iso: string): string {
  return new Date(Date.parse(iso)).toUTCString();
}

function headersFor(c: ApiLifecycleConfig): Record<string, string> {
  const h: Record<string, string> = { deprecation: deprecationHeader(c.deprecated_at) };
  if (c.sunset_at) h['sunset'] = sunsetHeader(c.sunset_at);
  const links: string[] = [];
  if (c.link) links.push(`<${c.link}>; rel="deprecation"; type="text/html"`);
  if (c.successor) links.push(`<${c.successor}>; rel="successor-version"`);
  if (links.length) h['link'] = links.join(', ');
  return h;
}

/**
 * Answers for an API's lifecycle: a deprecated API keeps working and says so in headers on every
 * answer (the upstream's and the gateway's own); a retired one answers 410 before anything else runs.
 */
export const apiLifecycle = definePolicy<ApiLifecycleConfig>({
  name: 'api-lifecycle',
  phase: 'guard',
  priority: 0,
  summary: 'Deprecated APIs answer with Deprecation/Sunset/Link headers (RFC 9745, RFC 8594); retired APIs answer 410 api.retired.',
  schema: ApiLifecycleSchema,
  reasons,
  compile(config, ctx) {
    if (Number.isNaN(Date.parse(config.deprecated_at))) ctx.fail('deprecated_at', 'is not a valid time');
    if (config.sunset_at !== undefined && Number.isNaN(Date.parse(config.sunset_at))) ctx.fail('sunset_at', 'is not a valid time');
    const headers = Object.freeze(headersFor(config));
    const data = { api: config.api, state: config.state, deprecated_at: config.deprecated_at, ...(config.sunset_at ? { sunset_at: config.sunset_at } : {}) };
    const instead = config.successor ? ` Use ${config.successor} instead.` : '';
    const when = config.sunset_at ? ` on ${config.sunset_at}` : '';
    const retired = deny('api.retired', `API ${config.api} was retired${when} and no longer answers.${instead}`, { headers, data });
    const deprecated: Decision = { outcome: 'allow', code: 'api.deprecated', detail: `API ${config.api} is deprecated${config.sunset_at ? `; sunset ${config.sunset_at}` : ''}`, data };
    return {
      evaluate: () => (config.state === 'retired' ? retired : deprecated),
      onResponse(_ctx, res) {
        for (const k in headers) res.setHeader(k, headers[k]!);
      },
    };
  },
});

export default apiLifecycle;
