// Framing decoders, written once and shared by every provider adapter.
export { AwsEventStreamDecoder, type EventStreamHeaderValue, type EventStreamMessage } from './aws-eventstream.js';
export { crc32 } from './crc32.js';
export { DEFAULT_MAX_FRAME, FramingError, type FrameDecoder } from './framing-error.js';
export { JsonArrayStreamDecoder } from './json-array.js';
export { NdjsonDecoder } from './ndjson.js';
export { SseDecoder, type SseEvent } from './sse.js';
