import { Ajv2020 } from 'ajv/dist/2020.js';
import { Ajv, type AnySchema, type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { ProblemFieldError } from '../../core/problem.js';

type AjvInstance = Ajv | Ajv2020;
type FormatsPlugin = (ajv: AjvInstance) => AjvInstance;
// ajv-formats is CommonJS: its function is the module itself (and its `default`).
const addFormats = ((addFormatsModule as unknown as { default?: FormatsPlugin }).default ?? addFormatsModule) as unknown as FormatsPlugin;

/** Base URI under which the config's `components.schemas` are registered, so `#/components/schemas/X` resolves. */
const COMPONENTS = 'https://sluice.dev/request-validation/components';

export type Dialect = '2020-12' | 'draft-07';

/**
 * The Ajv instances of one compiled policy (one config version): dropped with it, so schemas never
 * pile up across reloads. Parameters are strings on the wire and are coerced; bodies are not.
 */
export class SchemaCompiler {
  private params: AjvInstance | undefined;
  private body: AjvInstance | undefined;

  constructor(
    private readonly dialect: Dialect,
    private readonly components: Readonly<Record<string, unknown>> | undefined,
  ) {}

  compile(schema: unknown, forParameters: boolean): ValidateFunction {
    const ajv = forParameters ? (this.params ??= this.create(true)) : (this.body ??= this.create(false));
    return ajv.compile(withComponentRefs(schema) as AnySchema);
  }

  private create(coerce: boolean): AjvInstance {
    // strict: false so OpenAPI annotations (example, xml, discriminator…) do not refuse a schema.
    const opts: Options = { allErrors: true, strict: false, coerceTypes: coerce, validateFormats: true };
    const ajv = this.dialect === 'draft-07' ? new Ajv(opts) : new Ajv2020(opts);
    addFormats(ajv);
    // Each named schema is its own document, so references between them (and recursion) resolve.
    for (const [name, schema] of Object.entries(this.components ?? {})) ajv.addSchema(withComponentRefs(schema) as AnySchema, componentUri(name));
    return ajv;
  }
}

const componentUri = (name: string) => `${COMPONENTS}/${encodeURIComponent(name)}`;
const COMPONENT_REF = /^#\/components\/schemas\/([^/]+)(\/.*)?$/;

/** Copies a schema, pointing OpenAPI-style `#/components/schemas/Name…` references at the registered components. */
function withComponentRefs(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withComponentRefs);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema as Record<string, unknown>)) {
    const m = k === '$ref' && typeof v === 'string' ? COMPONENT_REF.exec(v) : null;
    out[k] = m ? `${componentUri(m[1]!.replace(/~1/g, '/').replace(/~0/g, '~'))}#${m[2] ?? ''}` : withComponentRefs(v);
  }
  return out;
}

/** RFC 6901 escaping of one reference token. */
export const escapeToken = (s: string): string => s.replace(/~/g, '~0').replace(/\//g, '~1');

const show = (v: unknown): string => {
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
};

/**
 * One Ajv error as a field error: the pointer names the offending field itself (the missing or
 * unexpected property, not its parent), and messages never quote the request's values.
 */
export function fieldError(e: ErrorObject, where: string, prefix: string): ProblemFieldError {
  const p = e.params as Record<string, unknown>;
  let pointer = prefix + e.instancePath;
  let message = e.message ?? 'is invalid';
  switch (e.keyword) {
    case 'required':
      pointer += `/${escapeToken(String(p['missingProperty']))}`;
      message = 'is required';
      break;
    case 'dependentRequired':
      pointer += `/${escapeToken(String(p['missingProperty']))}`;
      message = `is required when ${String(p['property'])} is present`;
      break;
    case 'additionalProperties':
      pointer += `/${escapeToken(String(p['additionalProperty']))}`;
      message = 'is not allowed';
      break;
    case 'unevaluatedProperties':
      pointer += `/${escapeToken(String(p['unevaluatedProperty']))}`;
      message = 'is not allowed';
      break;
    case 'enum': {
      const values = (p['allowedValues'] as unknown[] | undefined) ?? [];
      message = `must be one of ${values.slice(0, 10).map(show).join(', ')}${values.length > 10 ? ', …' : ''}`;
      break;
    }
    case 'const':
      message = `must be ${show(p['allowedValue'])}`;
      break;
  }
  return { in: where, pointer, message };
}
