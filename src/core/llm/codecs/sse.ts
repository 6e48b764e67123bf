import { DEFAULT_MAX_FRAME, FramingError, type FrameDecoder } from './framing-error.js';
import { Utf8Stream } from './utf8.js';

/** One server-sent event (https://html.spec.whatwg.org/multipage/server-sent-events.html). */
export interface SseEvent {
  /** The `event:` field, when present. */
  readonly event: string | undefined;
  /** `data:` lines joined with "\n". */
  readonly data: string;
  readonly id?: string;
}

const LF = 10;
const COLON = 58;
const SPACE = 32;

/**
 * Incremental SSE parser over bytes. UTF-8 is decoded in streaming mode (sequences split across
 * pushes are kept), lines end with LF, CRLF or CR, and a CRLF split across pushes counts once.
 * An event still open at the end of the body is dispatched (Gemini and some servers omit the last blank line).
 */
export class SseDecoder implements FrameDecoder<SseEvent> {
  private readonly utf8 = new Utf8Stream();
  private buf = '';
  private data: string | undefined;
  private event: string | undefined;
  private id: string | undefined;
  private skipLF = false;

  constructor(private readonly maxFrame: number = DEFAULT_MAX_FRAME) {}

  push(bytes: Uint8Array): SseEvent[] {
    const out: SseEvent[] = [];
    this.feed(this.utf8.decode(bytes), out);
    return out;
  }

  end(): SseEvent[] {
    const out: SseEvent[] = [];
    this.feed(this.utf8.end(), out);
    if (this.buf.length > 0) {
      this.line(this.buf, out);
      this.buf = '';
    }
    this.dispatch(out);
    return out;
  }

  private feed(text: string, out: SseEvent[]): void {
    if (text.length === 0) return;
    const s = this.buf.length > 0 ? this.buf + text : text;
    let pos = 0;
    if (this.skipLF) {
      this.skipLF = false;
      if (s.charCodeAt(0) === LF) pos = 1;
    }
    let lf = s.indexOf('\n', pos);
    let cr = s.indexOf('\r', pos);
    for (;;) {
      if (lf !== -1 && lf < pos) lf = s.indexOf('\n', pos);
      if (cr !== -1 && cr < pos) cr = s.indexOf('\r', pos);
      const eol = lf === -1 ? cr : cr === -1 ? lf : Math.min(lf, cr);
      if (eol === -1) break;
      this.line(s.slice(pos, eol), out);
      pos = eol + 1;
      if (eol === cr) {
        if (pos === s.length) this.skipLF = true;
        else if (s.charCodeAt(pos) === LF) pos++;
      }
    }
    this.buf = pos === 0 ? s : s.slice(pos);
    if (this.buf.length > this.maxFrame) throw new FramingError(`SSE line longer than ${this.maxFrame} characters`);
  }

  private line(line: string, out: SseEvent[]): void {
    if (line.length === 0) {
      this.dispatch(out);
      return;
    }
    const first = line.charCodeAt(0);
    if (first === COLON) return;
    // Fast path for the overwhelmingly common `data: …` line.
    if (first === 100 && line.startsWith('data:')) {
      this.appendData(line.charCodeAt(5) === SPACE ? line.slice(6) : line.slice(5));
      return;
    }
    const c = line.indexOf(':');
    const field = c === -1 ? line : line.slice(0, c);
    let value = c === -1 ? '' : line.slice(c + 1);
    if (value.charCodeAt(0) === SPACE) value = value.slice(1);
    if (field === 'data') this.appendData(value);
    else if (field === 'event') this.event = value;
    else if (field === 'id') this.id = value;
  }

  private appendData(value: string): void {
    this.data = this.data === undefined ? value : this.data + '\n' + value;
    if (this.data.length > this.maxFrame) throw new FramingError(`SSE event larger than ${this.maxFrame} characters`);
  }

  private dispatch(out: SseEvent[]): void {
    if (this.data !== undefined) {
      out.push(this.id === undefined ? { event: this.event, data: this.data } : { event: this.event, data: this.data, id: this.id });
    }
    this.data = undefined;
    this.event = undefined;
  }
}
