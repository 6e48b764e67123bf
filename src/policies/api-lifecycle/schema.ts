import { Type, type Static } from '@sinclair/typebox';

const DateTime = (description: string) =>
  Type.String({
    pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:\\d{2})$',
    description: `${description} RFC 3339 time, e.g. "2030-01-31T00:00:00Z".`,
    errorMessage: 'must be an RFC 3339 time such as "2030-01-31T00:00:00Z"',
  });

export const ApiLifecycleSchema = Type.Object(
  {
    api: Type.String({ minLength: 1, description: 'Id of the API (named in the 410 answer).' }),
    state: Type.Union([Type.Literal('deprecated'), Type.Literal('retired')], {
      description: '`deprecated`: answer normally with `Deprecation`/`Sunset`/`Link` headers. `retired`: answer 410 `api.retired`.',
      errorMessage: 'must be "deprecated" or "retired"',
    }),
    deprecated_at: DateTime('When the API was (or will be) deprecated: the `Deprecation` header (RFC 9745).'),
    sunset_at: Type.Optional(DateTime('When the API stops (or stopped) answering: the `Sunset` header (RFC 8594).')),
    link: Type.Optional(Type.String({ pattern: '^https?://', errorMessage: 'must be an http(s) URL', description: 'Human-readable deprecation notice: `Link: <…>; rel="deprecation"`.' })),
    successor: Type.Optional(Type.String({ minLength: 1, description: 'Where to go instead (URL or path, e.g. `/v2/orders`): `Link: <…>; rel="successor-version"`.' })),
  },
  { additionalProperties: false },
);

export type ApiLifecycleConfig = Static<typeof ApiLifecycleSchema>;
