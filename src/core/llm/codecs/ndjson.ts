import { DEFAULT_MAX_FRAME, FramingError, type FrameDecoder } from './framing-error.js';
import { Utf8Stream } from './utf8.js';

/**
 * Newline-delimited JSON (Ollama): yields each non-blank line as text, CRLF tolerated. Parsing the
 * JSON is the caller's job (it knows the shape). A last line without a newline is flushed by `end`.
 */
export class NdjsonDecoder implements FrameDecoder<string> {
  private readonly utf8 = new Utf8Stream();
  private buf = '';

  constructor(private readonly maxFrame: number = DEFAULT_MAX_FRAME) {}

  push(bytes: Uint8Array): string[] {
    const out: string[] = [];
    this.feed(this.utf8.decode(bytes), out);
    return out;
  }

  end(): string[] {
    const out: string[] = [];
    this.feed(this.utf8.end(), out);
    emit(this.buf, out);
    this.buf = '';
    return out;
  }

  private feed(text: string, out: string[]): void {
    if (text.length === 0) return;
    const s = this.buf.length > 0 ? this.buf + text : text;
    let pos = 0;
    for (let nl = s.indexOf('\n'); nl !== -1; nl = s.indexOf('\n', pos)) {
      emit(s.slice(pos, nl), out);
      pos = nl + 1;
    }
    this.buf = pos === 0 ? s : s.slice(pos);
    if (this.buf.length > this.maxFrame) throw new FramingError(`NDJSON line longer than ${this.maxFrame} characters`);
  }
}

function emit(line: string, out: string[]): void {
  const t = line.trim();
  if (t.length > 0) out.push(t);
}
