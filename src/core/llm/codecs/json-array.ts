import { DEFAULT_MAX_FRAME, FramingError, type FrameDecoder } from './framing-error.js';
import { Utf8Stream } from './utf8.js';

const enum State {
  Before,
  Between,
  Element,
  After,
}

const QUOTE = 34;
const BACKSLASH = 92;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
const COMMA = 44;

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

/**
 * A JSON array sent incrementally (Gemini `streamGenerateContent` without `alt=sse`:
 * `[{…}\n,\r\n{…}\n]`). Yields the text of each top-level element as soon as it is complete,
 * tracking strings and escapes so braces inside strings do not count. A bare top-level object is
 * accepted as a one-element stream. A missing `]` is a truncated stream.
 */
export class JsonArrayStreamDecoder implements FrameDecoder<string> {
  private readonly utf8 = new Utf8Stream();
  private state = State.Before;
  private bare = false;
  private buf = '';
  private scanned = 0;
  private depth = 0;
  private inString = false;
  private escape = false;

  constructor(private readonly maxFrame: number = DEFAULT_MAX_FRAME) {}

  push(bytes: Uint8Array): string[] {
    const out: string[] = [];
    this.scan(this.utf8.decode(bytes), out);
    return out;
  }

  end(): string[] {
    const out: string[] = [];
    this.scan(this.utf8.end(), out);
    if (this.state === State.Element) throw new FramingError('JSON array stream ended inside an element');
    if (this.state === State.Between) throw new FramingError('JSON array stream ended before its closing "]"');
    return out;
  }

  private scan(text: string, out: string[]): void {
    if (text.length === 0) return;
    const s = this.buf + text;
    let start = 0;
    let i = this.scanned;
    for (; i < s.length; i++) {
      const c = s.charCodeAt(i);
      switch (this.state) {
        case State.Element:
          if (this.inString) {
            if (this.escape) this.escape = false;
            else if (c === BACKSLASH) this.escape = true;
            else if (c === QUOTE) this.inString = false;
          } else if (c === QUOTE) this.inString = true;
          else if (c === OPEN_BRACE || c === OPEN_BRACKET) this.depth++;
          else if ((c === CLOSE_BRACE || c === CLOSE_BRACKET) && --this.depth === 0) {
            out.push(s.slice(start, i + 1));
            this.state = this.bare ? State.After : State.Between;
          }
          break;
        case State.Between:
          if (c === OPEN_BRACE || c === OPEN_BRACKET) {
            this.open();
            start = i;
          } else if (c === CLOSE_BRACKET) this.state = State.After;
          else if (c !== COMMA && !isSpace(c)) throw new FramingError(`unexpected "${s[i] ?? ''}" between JSON array elements`);
          break;
        case State.Before:
          if (c === OPEN_BRACKET) this.state = State.Between;
          else if (c === OPEN_BRACE) {
            this.bare = true;
            this.open();
            start = i;
          } else if (!isSpace(c) && c !== 0xfeff) throw new FramingError('JSON array stream does not start with "["');
          break;
        case State.After:
          if (!isSpace(c)) throw new FramingError('data after the end of the JSON array stream');
          break;
      }
    }
    if (this.state === State.Element) {
      this.buf = s.slice(start);
      this.scanned = this.buf.length;
      if (this.buf.length > this.maxFrame) throw new FramingError(`JSON array element larger than ${this.maxFrame} characters`);
    } else {
      this.buf = '';
      this.scanned = 0;
    }
  }

  private open(): void {
    this.state = State.Element;
    this.depth = 1;
    this.inString = false;
    this.escape = false;
  }
}
