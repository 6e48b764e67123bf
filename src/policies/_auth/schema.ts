import { Type, type SchemaOptions } from '@sinclair/typebox';
import { DURATION_PATTERN } from '../../core/duration.js';

/** A duration in a policy config: milliseconds or "500ms", "5s", "2m", "1h", "1d". */
export const Duration = (description: string, opts: SchemaOptions = {}) =>
  Type.Union([Type.Number({ minimum: 0 }), Type.String({ pattern: DURATION_PATTERN })], {
    description: `${description} Milliseconds, or a string such as "500ms", "5s", "1m".`,
    errorMessage: 'must be a duration: milliseconds, or a string such as "500ms", "5s", "2m", "1h"',
    ...opts,
  });

/** RFC 3339 date-time, e.g. `2030-01-31T23:59:59Z`. */
export const DateTime = (description: string) =>
  Type.String({
    pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:\\d{2})$',
    description: `${description} RFC 3339 time, e.g. "2030-01-31T23:59:59Z".`,
    errorMessage: 'must be an RFC 3339 time such as "2030-01-31T23:59:59Z"',
  });

export const Scopes = () => Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: 'Scopes granted to this credential (read by the `scopes` policy).' }));

/** Settings every authentication policy has. */
export const authFields = (o: { strip: boolean; stripWhat: string }) => ({
  anonymous: Type.Optional(
    Type.String({
      minLength: 1,
      description:
        'Consumer id used when the request carries no credential of this kind; the policy then never answers 401 for a missing credential. The consumer is marked anonymous and keeps its own groups, so `acl` still applies. A presented but invalid credential is still refused.',
    }),
  ),
  realm: Type.Optional(Type.String({ default: 'sluice', minLength: 1, description: 'Realm in the `WWW-Authenticate` challenge.' })),
  strip_credential: Type.Optional(Type.Boolean({ default: o.strip, description: `Remove ${o.stripWhat} from the request before forwarding it upstream.` })),
  upstream_headers: Type.Optional(
    Type.Boolean({
      default: true,
      description: 'Send `X-Consumer-Id`, `X-Credential-Id` and `X-Anonymous-Consumer` upstream (client-sent values are always replaced).',
    }),
  ),
});
