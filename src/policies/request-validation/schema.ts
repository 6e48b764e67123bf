import { Type, type Static } from '@sinclair/typebox';

/** A JSON Schema (object or boolean); validated by Ajv when the policy compiles. */
const JsonSchema = (description: string) =>
  Type.Union([Type.Boolean(), Type.Record(Type.String(), Type.Unknown())], { description, errorMessage: 'must be a JSON Schema (an object or a boolean)' });

/** An OpenAPI Parameter Object (the subset Sluice checks; documentation members are accepted and ignored). */
export const ParameterSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200, description: 'Parameter name (header names are case-insensitive).' }),
    in: Type.Union([Type.Literal('query'), Type.Literal('header'), Type.Literal('path')], {
      description: 'Where the parameter is: `query`, `header` or `path` (a `:name` of the route path).',
      errorMessage: 'must be "query", "header" or "path" (cookie parameters are not supported)',
    }),
    required: Type.Optional(Type.Boolean({ default: false, description: 'Refuse the request when the parameter is absent (path parameters are always required).' })),
    schema: JsonSchema('JSON Schema of the value. Strings are coerced to the schema\'s type (`"5"` → 5); arrays come from repeated query keys, or from comma-separated values.'),
    explode: Type.Optional(Type.Boolean({ description: 'Query arrays: `true` (default) for `?a=1&a=2`, `false` for `?a=1,2`.' })),
    style: Type.Optional(Type.Union([Type.Literal('form'), Type.Literal('simple')], { description: 'OpenAPI style: `form` (query default) or `simple` (header and path default).', errorMessage: 'must be "form" or "simple" (other styles are not supported)' })),
    description: Type.Optional(Type.String()),
    deprecated: Type.Optional(Type.Boolean()),
    allowEmptyValue: Type.Optional(Type.Boolean()),
    example: Type.Optional(Type.Unknown()),
    examples: Type.Optional(Type.Unknown()),
  },
  { additionalProperties: false },
);

/** An OpenAPI Media Type Object. */
const MediaTypeSchema = Type.Object(
  {
    schema: Type.Optional(JsonSchema('JSON Schema of the body. Checked for JSON media types (`application/json`, `*/*+json`).')),
    example: Type.Optional(Type.Unknown()),
    examples: Type.Optional(Type.Unknown()),
    encoding: Type.Optional(Type.Unknown()),
  },
  { additionalProperties: false },
);

/** An OpenAPI Request Body Object. */
const requestBody = (description?: string) => Type.Object(
  {
    required: Type.Optional(Type.Boolean({ default: false, description: 'Refuse requests without a body.' })),
    content: Type.Record(Type.String({ minLength: 1 }), MediaTypeSchema, {
      description: 'Accepted media types (`application/json`, `application/*`, `*/*`) and their schemas; a body of any other type is refused with 415.',
    }),
    description: Type.Optional(Type.String()),
  },
  { additionalProperties: false, ...(description ? { description } : {}) },
);
export const RequestBodySchema = requestBody();

/** The part of an OpenAPI Operation Object that describes the request. */
export const OperationSchema = Type.Object(
  {
    parameters: Type.Optional(Type.Array(ParameterSchema, { maxItems: 200, description: 'OpenAPI Parameter Objects; replace top-level ones with the same `name` and `in`.' })),
    request_body: Type.Optional(RequestBodySchema),
  },
  { additionalProperties: false },
);

export const METHOD_KEY = '^(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS|TRACE|CONNECT)$';

export const RequestValidationSchema = Type.Object(
  {
    parameters: Type.Optional(Type.Array(ParameterSchema, { maxItems: 200, description: 'OpenAPI Parameter Objects checked for every method (a Path Item\'s `parameters`).' })),
    request_body: Type.Optional(requestBody('OpenAPI Request Body Object (`requestBody`), checked for every method without its own.')),
    methods: Type.Optional(
      Type.Record(Type.String({ pattern: METHOD_KEY }), OperationSchema, {
        description: 'Per-method operations (an OpenAPI Path Item\'s `get`, `post`…), keyed by upper-case method: their `parameters` are merged over the top-level ones and their `request_body` replaces it.',
      }),
    ),
    components: Type.Optional(
      Type.Object(
        { schemas: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'Named schemas, referenced as `{"$ref": "#/components/schemas/Name"}` (recursion allowed).' })) },
        { additionalProperties: true, description: 'OpenAPI `components`: only `schemas` is used.' },
      ),
    ),
    json_schema: Type.Optional(
      Type.Union([Type.Literal('2020-12'), Type.Literal('draft-07')], {
        default: '2020-12',
        description: 'JSON Schema dialect: `2020-12` (OpenAPI 3.1) or `draft-07`. OpenAPI 3.0\'s `nullable` is understood by both.',
        errorMessage: 'must be "2020-12" or "draft-07"',
      }),
    ),
    max_body: Type.Optional(
      Type.Union([Type.Integer({ minimum: 0 }), Type.String({ pattern: '^\\d+(\\.\\d+)?\\s*(b|kb|mb|gb|kib|mib|gib)?$' })], {
        default: '1mb',
        description: 'Largest body buffered for validation; a larger one is refused with 413 `request.body_too_large`.',
        errorMessage: 'must be a byte count or a size such as "512kb" or "1mb"',
      }),
    ),
    max_errors: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20, description: 'Most field errors listed in one answer.' })),
  },
  { additionalProperties: false },
);

export type RequestValidationConfig = Static<typeof RequestValidationSchema>;
export type ParameterConfig = Static<typeof ParameterSchema>;
export type RequestBodyConfig = Static<typeof RequestBodySchema>;
export type OperationConfig = Static<typeof OperationSchema>;
