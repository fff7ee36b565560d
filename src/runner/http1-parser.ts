// A minimal HTTP/1.1 response parser for the hot socket transport (socket-transport.ts), pushed the
// bytes of one connection as they arrive: the head (status line and headers, at most maxHeadBytes),
// then the body by its framing (Content-Length, chunked, or until the connection closes), handed on
// chunk by chunk without copies. Strict where a hostile function could smuggle or confuse: CRLF line
// ends, token header names, no control characters in values, no obs-fold, no Content-Length together
// with Transfer-Encoding, one Content-Length value. Interim 1xx answers are skipped (as node's client
// does); a 101 is refused. Pure: no I/O.

/** The function's answer broke HTTP/1.1: the connection is unusable and the call fails (502). */
export class ParseError extends Error {
  override readonly name = 'ParseError';
}

export interface ResponseHead {
  status: number;
  /** header pairs as sent (latin1) */
  headers: Array<[string, string]>;
  /** the body's length when the answer declared it (Content-Length framing) */
  length: number | undefined;
}

export interface ParserEvents {
  head(head: ResponseHead): void;
  body(chunk: Buffer): void;
  end(): void;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const BAD_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: [^\r\n]*)?$/;
const HEX = /^[0-9a-fA-F]{1,15}$/;
const CRLF = Buffer.from('\r\n');
const HEAD_END = Buffer.from('\r\n\r\n');

const enum State {
  Idle,
  Head,
  Fixed,
  ChunkSize,
  ChunkData,
  ChunkEnd,
  Trailers,
  UntilClose,
  Done,
}

export class ResponseParser {
  private state = State.Idle;
  private pending: Buffer | undefined;
  private remaining = 0;
  private trailerBytes = 0;
  private noBody = false;
  private ev: ParserEvents | undefined;
  /** after the answer: may the connection carry another exchange */
  keepAlive = false;

  constructor(private readonly maxHeadBytes = 16 * 1024) {}

  /** A new exchange: `head` for a HEAD request (no body whatever the headers say). */
  begin(ev: ParserEvents, head = false): void {
    this.ev = ev;
    this.state = State.Head;
    this.pending = undefined;
    this.noBody = head;
    this.keepAlive = false;
  }

  /** Stops delivering events (the exchange was given up). */
  stop(): void {
    this.ev = undefined;
    this.state = State.Idle;
    this.pending = undefined;
  }

  get done(): boolean {
    return this.state === State.Done;
  }

  /** true while no byte of the current answer arrived */
  get untouched(): boolean {
    return this.state === State.Head && this.pending === undefined;
  }

  /** Bytes from the connection. Throws ParseError; bytes beyond the answer are an error too. */
  push(data: Buffer): void {
    const buf = this.pending ? Buffer.concat([this.pending, data]) : data;
    this.pending = undefined;
    let at = 0;
    while (at < buf.length) {
      if (!this.ev) return; // stopped by a handler
      switch (this.state) {
        case State.Head: {
          const end = buf.indexOf(HEAD_END, at);
          if (end < 0) {
            if (buf.length - at > this.maxHeadBytes) throw new ParseError(`response head over ${this.maxHeadBytes} bytes`);
            this.pending = buf.subarray(at);
            return;
          }
          if (end - at > this.maxHeadBytes) throw new ParseError(`response head over ${this.maxHeadBytes} bytes`);
          const text = buf.toString('latin1', at, end);
          at = end + 4;
          this.onHead(text);
          break;
        }
        case State.Fixed: {
          const n = Math.min(this.remaining, buf.length - at);
          const chunk = buf.subarray(at, at + n);
          at += n;
          this.remaining -= n;
          this.ev.body(chunk);
          if (this.remaining === 0) this.finish();
          break;
        }
        case State.UntilClose: {
          this.ev.body(at === 0 ? buf : buf.subarray(at));
          return;
        }
        case State.ChunkSize: {
          const eol = buf.indexOf(CRLF, at);
          if (eol < 0) {
            if (buf.length - at > 1024) throw new ParseError('chunk size line too long');
            this.pending = buf.subarray(at);
            return;
          }
          const line = buf.toString('latin1', at, eol);
          at = eol + 2;
          const semi = line.indexOf(';');
          const hex = (semi < 0 ? line : line.slice(0, semi)).trim();
          if (!HEX.test(hex)) throw new ParseError('bad chunk size');
          this.remaining = parseInt(hex, 16);
          if (this.remaining === 0) {
            this.state = State.Trailers;
            this.trailerBytes = 0;
          } else this.state = State.ChunkData;
          break;
        }
        case State.ChunkData: {
          const n = Math.min(this.remaining, buf.length - at);
          const chunk = buf.subarray(at, at + n);
          at += n;
          this.remaining -= n;
          if (this.remaining === 0) this.state = State.ChunkEnd;
          this.ev.body(chunk);
          break;
        }
        case State.ChunkEnd: {
          if (buf.length - at < 2) {
            this.pending = buf.subarray(at);
            return;
          }
          if (buf[at] !== 13 || buf[at + 1] !== 10) throw new ParseError('chunk not followed by CRLF');
          at += 2;
          this.state = State.ChunkSize;
          break;
        }
        case State.Trailers: {
          const eol = buf.indexOf(CRLF, at);
          if (eol < 0) {
            if (buf.length - at + this.trailerBytes > this.maxHeadBytes) throw new ParseError('trailers too long');
            this.pending = buf.subarray(at);
            return;
          }
          this.trailerBytes += eol - at + 2;
          if (this.trailerBytes > this.maxHeadBytes) throw new ParseError('trailers too long');
          const empty = eol === at;
          at = eol + 2;
          if (empty) this.finish(); // trailers are dropped, as hop-by-hop metadata of this connection
          break;
        }
        case State.Done:
        case State.Idle:
          throw new ParseError('bytes after the end of the answer');
      }
    }
  }

  /** The connection ended: completes an answer framed by the close, else the answer was cut short. */
  eof(): void {
    if (this.state === State.UntilClose) return this.finish();
    if (this.state !== State.Done && this.state !== State.Idle) throw new ParseError('the connection closed mid-answer');
  }

  private onHead(text: string): void {
    const lines = text.split('\r\n');
    const m = STATUS_LINE.exec(lines[0]!);
    if (!m) throw new ParseError('bad status line');
    const minor = m[1]!;
    const status = Number(m[2]);
    const headers: Array<[string, string]> = [];
    let length: string | undefined;
    let chunked: boolean | undefined;
    let close = minor === '0';
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!;
      const colon = line.indexOf(':');
      if (colon <= 0) throw new ParseError(line.length > 0 && (line[0] === ' ' || line[0] === '\t') ? 'folded header line' : 'bad header line');
      const name = line.slice(0, colon);
      if (!TOKEN.test(name)) throw new ParseError('bad header name');
      const value = line.slice(colon + 1).trim();
      if (BAD_VALUE.test(value)) throw new ParseError(`bad characters in header ${name}`);
      headers.push([name, value]);
      const lower = name.length === 14 || name.length === 17 || name.length === 10 ? name.toLowerCase() : '';
      if (lower === 'content-length') {
        if (length !== undefined && length !== value) throw new ParseError('several Content-Length values');
        length = value;
      } else if (lower === 'transfer-encoding') {
        const codings = value.toLowerCase().split(',');
        chunked = codings[codings.length - 1]!.trim() === 'chunked';
      } else if (lower === 'connection') {
        const v = value.toLowerCase();
        if (v.includes('close')) close = true;
        else if (minor === '0' && v.includes('keep-alive')) close = false;
      }
    }
    if (status < 200) {
      if (status === 101) throw new InvalidStatus(status);
      return; // interim (100 Continue, 103 Early Hints): the final answer follows
    }
    if (length !== undefined && chunked !== undefined) throw new ParseError('both Content-Length and Transfer-Encoding');
    let declared: number | undefined;
    if (length !== undefined) {
      if (!/^\d{1,15}$/.test(length)) throw new ParseError('bad Content-Length');
      declared = Number(length);
    }
    const ev = this.ev!;
    this.keepAlive = !close;
    if (this.noBody || status === 204 || status === 304) {
      ev.head({ status, headers, length: declared });
      this.finish();
      return;
    }
    if (chunked) this.state = State.ChunkSize;
    else if (declared !== undefined) {
      this.remaining = declared;
      this.state = State.Fixed;
    } else {
      // no framing (or a coding other than chunked last): the body ends with the connection
      this.state = State.UntilClose;
      this.keepAlive = false;
    }
    ev.head({ status, headers, length: declared });
    if (this.state === State.Fixed && this.remaining === 0 && this.ev) this.finish();
  }

  private finish(): void {
    const ev = this.ev;
    this.state = State.Done;
    ev?.end();
  }
}

/** The function answered 101 Switching Protocols: never relayed (a smuggling pattern). */
export class InvalidStatus extends ParseError {
  constructor(readonly status: number) {
    super(`function answered with invalid status ${status} (allowed: 200-599)`);
  }
}
