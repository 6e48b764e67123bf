import { Type, type TSchema, type SchemaOptions } from '@sinclair/typebox';
import { DURATION_PATTERN } from '../core/duration.js';

/**
 * Small schema builders shared by the config document and the policies. `errorMessage` is read by
 * the validator to replace TypeBox's generic message with one an operator understands.
 */
export const Id = (description = 'Stable identifier (letters, digits, `.`, `_`, `-`).') =>
  Type.String({
    pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$',
    description,
    errorMessage: 'must be 1-128 letters, digits, ".", "_" or "-", starting with a letter or digit',
  });

export const Duration = (description: string, opts: SchemaOptions = {}) =>
  Type.Union([Type.Number({ minimum: 0 }), Type.String({ pattern: DURATION_PATTERN })], {
    description: `${description} Milliseconds, or a string such as "500ms", "5s", "1m".`,
    errorMessage: 'must be a duration: milliseconds, or a string such as "500ms", "5s", "2m", "1h"',
    ...opts,
  });

export const StringList = (description: string, opts: SchemaOptions = {}) =>
  Type.Array(Type.String({ minLength: 1 }), { description, ...opts });

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT'] as const;

export const Method = () =>
  Type.Union(
    HTTP_METHODS.map((m) => Type.Literal(m)),
    { errorMessage: `must be one of ${HTTP_METHODS.join(', ')}` },
  );

export type { TSchema };
