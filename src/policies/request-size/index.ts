import { BodyTooLargeError, type RequestContext } from '../../core/context.js';
import { allow, definePolicy, deny, skip, type Decision } from '../../core/policy.js';
import { defineReasons } from '../../core/reasons.js';
import { RequestSizeSchema, parseSize, type RequestSizeConfig } from './schema.js';

export const reasons = defineReasons([
  {
    code: 'request.too_large',
    status: 413,
    title: 'Request body too large',
    description: 'The body (declared by Content-Length, or counted when chunked) exceeds the request-size policy\'s `max`.',
  },
  {
    code: 'request.length_required',
    status: 411,
    title: 'Content-Length required',
    description: 'The request has a chunked body and the request-size policy sets `require_length: true`.',
  },
]);

/**
 * Refuses bodies larger than `max`. A declared Content-Length is checked without reading anything;
 * a chunked body is counted while it is buffered (never more than `max` bytes are held).
 */
export const requestSize = definePolicy<RequestSizeConfig>({
  name: 'request-size',
  phase: 'guard',
  priority: 20,
  summary: 'Limit request body size (413), optionally require Content-Length (411).',
  schema: RequestSizeSchema,
  reasons,
  compile(config) {
    const max = parseSize(config.max);
    const requireLength = config.require_length ?? false;
    const tooLarge = (size: number | string): Decision =>
      deny('request.too_large', `Request body is ${size} bytes; the limit is ${max} bytes.`, { data: { limit: max, size } });
    return {
      evaluate(ctx: RequestContext) {
        const declared = ctx.contentLength;
        if (declared !== undefined) {
          if (declared > max) return tooLarge(declared);
          return allow(undefined, { limit: max, size: declared });
        }
        if (!ctx.hasBody) return skip('no request body');
        if (requireLength) {
          return deny('request.length_required', 'A Content-Length header is required for request bodies on this route.', { data: { limit: max } });
        }
        return ctx.readBody(max).then(
          (body) => allow('chunked body counted', { limit: max, size: body.length }),
          (err: unknown) => {
            if (err instanceof BodyTooLargeError) return tooLarge(`more than ${max}`);
            throw err;
          },
        );
      },
    };
  },
});

export default requestSize;
