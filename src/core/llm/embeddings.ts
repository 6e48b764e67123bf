import type { Usage } from './types.js';

/** Embeddings in canonical form (OpenAI-like). */
export interface EmbeddingsRequest {
  /** The model name the client asked for; adapters use `Target.providerModel`. */
  readonly model: string;
  /** Text(s), or token arrays (OpenAI only; other providers refuse them). */
  readonly input: string | readonly string[] | readonly number[] | readonly (readonly number[])[];
  /** What the client wants back. Adapters may ask upstream for either and convert. */
  readonly encodingFormat?: 'float' | 'base64';
  readonly dimensions?: number;
  readonly user?: string;
  /** Retrieval role where the provider distinguishes (Cohere `input_type`, Gemini `taskType`). */
  readonly inputType?: 'query' | 'document' | 'classification' | 'clustering';
  readonly extra?: Readonly<Record<string, unknown>>;
}

/**
 * One vector. `number[]` for float output; a string is base64 of little-endian float32 values
 * (OpenAI's `encoding_format: base64`), kept as-is so a base64 pass-through is not decoded.
 */
export type EmbeddingVector = readonly number[] | string;

export interface Embedding {
  readonly index: number;
  readonly embedding: EmbeddingVector;
}

export interface EmbeddingsResponse {
  readonly model: string;
  readonly data: readonly Embedding[];
  /** `outputTokens` is 0 for embeddings. */
  readonly usage: Usage;
}
