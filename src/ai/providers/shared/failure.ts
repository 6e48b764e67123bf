import { ProviderFailure } from '../../../core/llm/errors.js';

/** The request cannot be expressed for this provider: a 400 naming the client's parameter. */
export function unsupported(param: string, message: string): never {
  throw new ProviderFailure({ status: 400, kind: 'invalid_request', message, param, providerCode: 'unsupported_parameter' });
}

/** The upstream answered something we cannot read. */
export function badResponse(message: string): never {
  throw new ProviderFailure({ status: 502, kind: 'bad_response', message });
}
