/**
 * Bedrock Runtime Converse wire types (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html),
 * REST JSON: blobs (`bytes`) travel as base64 strings. Only what Sluice writes.
 */

export interface CachePoint {
  cachePoint: { type: 'default' };
}

export type MediaSource = { bytes: string } | { s3Location: { uri: string; bucketOwner?: string } };

export interface TextBlock {
  text: string;
}
export interface ImageBlock {
  image: { format: 'png' | 'jpeg' | 'gif' | 'webp'; source: MediaSource };
}
export interface DocumentBlock {
  document: { format: string; name: string; source: MediaSource };
}
export interface ToolUseBlock {
  toolUse: { toolUseId: string; name: string; input: unknown };
}
export interface ToolResultBlock {
  toolResult: { toolUseId: string; content: (TextBlock | ImageBlock | DocumentBlock)[]; status?: 'success' | 'error' };
}
export interface ReasoningBlock {
  reasoningContent: { reasoningText: { text: string; signature?: string } } | { redactedContent: string };
}

export type ContentBlock = TextBlock | ImageBlock | DocumentBlock | ToolUseBlock | ToolResultBlock | ReasoningBlock | CachePoint;

export interface ConverseMessage {
  role: 'user' | 'assistant';
  content: ContentBlock[];
}

export interface ToolSpec {
  toolSpec: { name: string; description?: string; inputSchema: { json: Record<string, unknown> } };
}

export type ToolChoice = { auto: Record<string, never> } | { any: Record<string, never> } | { tool: { name: string } };

export interface InferenceConfig {
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  stopSequences?: string[];
}

export interface OutputConfig {
  textFormat: { type: 'json_schema'; structure: { jsonSchema: { schema: string; name?: string; description?: string } } };
}

export interface ConverseRequest {
  messages: ConverseMessage[];
  system?: (TextBlock | CachePoint)[];
  inferenceConfig?: InferenceConfig;
  toolConfig?: { tools: (ToolSpec | CachePoint)[]; toolChoice?: ToolChoice };
  additionalModelRequestFields?: Record<string, unknown>;
  outputConfig?: OutputConfig;
  requestMetadata?: Record<string, string>;
  [extra: string]: unknown;
}
