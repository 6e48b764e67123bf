import type { RequestContext } from '../../core/context.js';
import { allow, definePolicy, deny, skip, type Decision } from '../../core/policy.js';
import type { ProblemFieldError } from '../../core/problem.js';
import { defineReasons } from '../../core/reasons.js';
import type { ErrorObject } from 'ajv';
import { fieldError, SchemaCompiler } from './ajv.js';
import { checkParameter, isJsonMedia, located, matchMedia, mergeParameters, OperationCompiler, type CompiledBody, type CompiledOperation, type Location } from './operation.js';
import { RequestValidationSchema, type RequestValidationConfig } from './schema.js';

export const reasons = defineReasons([
  { code: 'request.invalid_query', status: 400, title: 'Invalid query parameters', description: 'A query parameter is missing or does not match its schema in the request-validation policy. The problem\'s `errors` member lists each one (`in`, JSON `pointer`, `message`).' },
  { code: 'request.invalid_headers', status: 400, title: 'Invalid request headers', description: 'A request header is missing or does not match its schema in the request-validation policy. The problem\'s `errors` member lists each one.' },
  { code: 'request.invalid_path_params', status: 400, title: 'Invalid path parameters', description: 'A path parameter (a `:name` of the route path) does not match its schema in the request-validation policy. The problem\'s `errors` member lists each one.' },
  { code: 'request.invalid_body', status: 400, title: 'Invalid request body', description: 'The JSON body does not match the request-validation policy\'s schema. The problem\'s `errors` member lists each failing field with its JSON Pointer (`/items/0/price`).' },
  { code: 'request.invalid_json', status: 400, title: 'Request body is not valid JSON', description: 'The body has a JSON media type but does not parse as JSON (or is not UTF-8).' },
  { code: 'request.body_missing', status: 400, title: 'Request body required', description: 'The request-validation policy requires a body (`request_body.required: true`) and the request has none.' },
  { code: 'request.unsupported_media_type', status: 415, title: 'Unsupported media type', description: 'The body\'s Content-Type is not among the media types of the request-validation policy\'s `request_body.content`. The detail lists the accepted ones.' },
]);

const PARAM_CODE: Record<Location, string> = { path: 'request.invalid_path_params', query: 'request.invalid_query', header: 'request.invalid_headers' };
const LABEL: Record<string, string> = {
  'request.invalid_path_params': 'Invalid path parameters',
  'request.invalid_query': 'Invalid query parameters',
  'request.invalid_headers': 'Invalid request headers',
  'request.invalid_body': 'Invalid request body',
};
const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1024, kib: 1024, mb: 1024 ** 2, mib: 1024 ** 2, gb: 1024 ** 3, gib: 1024 ** 3 };

function parseSize(v: number | string): number {
  if (typeof v === 'number') return v;
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(v.trim())!;
  return Math.floor(Number(m[1]) * (SIZE_UNITS[(m[2] || 'b').toLowerCase()] ?? 1));
}

/** "Invalid request body: /items/0/price must be >= 0; /name is required (+2 more)." */
function summary(code: string, errors: readonly ProblemFieldError[]): string {
  const shown = errors.slice(0, 3).map((e) => {
    const where = e.in === 'body' ? e.pointer || '(body)' : e.pointer.slice(1) || e.in;
    return `${e.in === 'body' ? '' : `${e.in} `}${where} ${e.message}`;
  });
  const more = errors.length > 3 ? ` (+${errors.length - 3} more)` : '';
  return `${LABEL[code] ?? 'Invalid request'}: ${shown.join('; ')}${more}.`;
}

/**
 * Validates query, header and path parameters and the JSON body against JSON Schemas shaped like an
 * OpenAPI operation (phase `validate`). Schemas are compiled once per config version with Ajv;
 * the body is read bounded by `max_body`.
 */
export const requestValidation = definePolicy<RequestValidationConfig>({
  name: 'request-validation',
  phase: 'validate',
  priority: 50,
  summary: 'Validate parameters and JSON body against JSON Schemas of an OpenAPI operation (400, 415).',
  schema: RequestValidationSchema,
  reasons,
  compile(config, ctx) {
    if (!config.parameters && !config.request_body && !config.methods) ctx.fail('', 'set "parameters", "request_body" or "methods"');
    const schemas = new SchemaCompiler(config.json_schema ?? '2020-12', config.components?.schemas);
    const compiler = new OperationCompiler(schemas, ctx);
    const topParams = located(config.parameters, 'parameters');
    const topBody = config.request_body ? { value: config.request_body, path: 'request_body' } : undefined;
    const fallback = topParams.length > 0 || topBody ? compiler.operation('*', topParams, topBody) : undefined;
    const byMethod = new Map<string, CompiledOperation>();
    for (const [method, op] of Object.entries(config.methods ?? {})) {
      const base = `methods.${method}`;
      const params = mergeParameters(topParams, located(op.parameters, `${base}.parameters`));
      const body = op.request_body ? { value: op.request_body, path: `${base}.request_body` } : topBody;
      byMethod.set(method, compiler.operation(method, params, body));
    }
    const maxBody = parseSize(config.max_body ?? '1mb');
    const maxErrors = config.max_errors ?? 20;

    const refuse = (code: string, errors: ProblemFieldError[], facts: Record<string, unknown>): Decision => {
      const listed = errors.slice(0, maxErrors);
      return deny(code, summary(code, errors), { errors: listed, data: { ...facts, errors: listed, error_count: errors.length } });
    };

    function checkBody(body: CompiledBody, req: RequestContext, facts: Record<string, unknown>): Decision | Promise<Decision> {
      if (!req.hasBody) {
        if (body.required) return deny('request.body_missing', 'A request body is required.', { errors: [{ in: 'body', pointer: '', message: 'is required' }], data: facts });
        return allow(undefined, { ...facts, body: 'none' });
      }
      const header = req.header('content-type');
      const type = header ? header.split(';', 1)[0]!.trim().toLowerCase() : '';
      const media = matchMedia(body, type);
      if (!media) {
        const accepted = body.media.map((m) => m.range).join(', ');
        // RFC 9110 §15.5.16: Accept names the media types that would have been accepted.
        return deny('request.unsupported_media_type', `Content-Type ${type ? `"${type}"` : '(none)'} is not accepted here; use ${accepted}.`, {
          headers: { accept: accepted },
          data: { ...facts, content_type: type, accepted: body.media.map((m) => m.range) },
        });
      }
      const bodyFacts = { ...facts, content_type: type, matched: media.range };
      if (!media.validate) return allow(undefined, { ...bodyFacts, schema: 'none' });
      if (!isJsonMedia(type)) return allow(`${type} accepted; its schema is only checked for JSON bodies`, { ...bodyFacts, schema: 'not checked' });
      const validate = media.validate;
      return req.readBody(maxBody).then((bytes): Decision => {
        const withSize = { ...bodyFacts, bytes: bytes.length };
        let doc: unknown;
        try {
          doc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
        } catch (err) {
          // The parser's message (position…) varies across Node versions: trace only.
          const why = err instanceof SyntaxError ? err.message : 'the body is not UTF-8';
          return deny('request.invalid_json', 'The request body is not valid JSON.', { errors: [{ in: 'body', pointer: '', message: 'is not valid JSON' }], data: { ...withSize, parser: why } });
        }
        if (validate(doc)) return allow(undefined, withSize);
        return refuse('request.invalid_body', fieldErrors(validate.errors ?? []), withSize);
      });
    }

    return {
      evaluate(req) {
        const op = byMethod.get(req.method) ?? fallback;
        if (!op) return skip(`no validation configured for ${req.method}`, { method: req.method });
        const facts = { method: req.method, operation: op.key };
        let code: string | undefined;
        const errors: ProblemFieldError[] = [];
        for (const p of op.params) {
          const found = checkParameter(p, req);
          if (found.length === 0) continue;
          code ??= PARAM_CODE[p.in];
          errors.push(...found);
        }
        if (code) return refuse(code, errors, facts);
        if (!op.body) return allow(undefined, { ...facts, parameters: op.params.length });
        return checkBody(op.body, req, facts);
      },
    };
  },
});

/** Body errors, without the duplicates Ajv reports for combinators. */
function fieldErrors(list: readonly ErrorObject[]): ProblemFieldError[] {
  const seen = new Set<string>();
  const out: ProblemFieldError[] = [];
  for (const e of list) {
    const f = fieldError(e, 'body', '');
    const key = `${f.pointer}\u0000${f.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(f);
  }
  return out;
}

export default requestValidation;
