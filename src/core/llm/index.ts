// The canonical LLM model: what providers translate to and dialects translate from.
export type * from './types.js';
export type * from './embeddings.js';
export type { StreamStep, StreamTranslator } from './stream.js';
export { EMPTY_STEP } from './stream.js';
export type { ProviderError, ProviderErrorKind } from './errors.js';
export { ProviderFailure, kindForStatus, retryAfterFromHeaders } from './errors.js';
