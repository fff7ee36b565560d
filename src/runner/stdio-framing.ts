// HTTP/1.1 framing for the seed stdio transport, where there is no HTTP library in between: serialise a
// request onto the container's stdin and incrementally parse responses off its stdout. Responses must
// carry Content-Length or be chunked (the seed's rule; without either, the end is unknowable on a pipe).
// Sizes are capped while parsing so a runaway function cannot make the gateway buffer without bound.
import { headerSafe, type FunctionRequest, type FunctionResponse } from './formats/message.ts';
import { TransportError, tooLarge } from './transport.ts';

const MAX_HEAD_BYTES = 64 * 1024;
const CRLF = Buffer.from('\r\n');

export function serializeRequest(req: FunctionRequest, extra: Array<[string, string]> = []): Buffer {
  let head = `${req.method} ${req.target} HTTP/1.1\r\n`;
  for (const [n, v] of [...req.headers, ...extra]) head += `${n}: ${headerSafe(v)}\r\n`;
  head += `Content-Length: ${req.body.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), req.body]);
}

function broken(why: string): TransportError {
  return new TransportError('broken', `invalid http response from function: ${why}`);
}

type State =
  | { kind: 'head' }
  | { kind: 'body'; remaining: number }
  | { kind: 'chunk-size' }
  | { kind: 'chunk-data'; remaining: number }
  | { kind: 'chunk-end' }
  | { kind: 'trailers' };

/** Feeds stdout bytes in; yields complete responses. Throws TransportError on bad framing or size. */
export class ResponseParser {
  private buf: Buffer = Buffer.alloc(0);
  private state: State = { kind: 'head' };
  private status = 0;
  private headers: Array<[string, string]> = [];
  private body: Buffer[] = [];
  private bodySize = 0;

  /** the next response answers a HEAD request: it has no body whatever its headers say */
  head = false;

  constructor(private readonly maxBodyBytes: number) {}

  /** true between responses with nothing buffered (stray bytes mean the stream is misaligned) */
  get idle(): boolean {
    return this.state.kind === 'head' && this.buf.length === 0;
  }

  push(chunk: Buffer): FunctionResponse[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: FunctionResponse[] = [];
    for (;;) {
      const res = this.step();
      if (res === 'more') break;
      if (res) out.push(res);
    }
    return out;
  }

  /** one state transition; 'more' = need bytes; a response when one completed */
  private step(): FunctionResponse | 'more' | null {
    const s = this.state;
    switch (s.kind) {
      case 'head': {
        const end = this.buf.indexOf('\r\n\r\n');
        if (end < 0) {
          if (this.buf.length > MAX_HEAD_BYTES) throw broken('response head too large');
          return 'more';
        }
        const head = this.buf.subarray(0, end).toString('latin1');
        this.buf = this.buf.subarray(end + 4);
        return this.parseHead(head);
      }
      case 'body': {
        const take = Math.min(s.remaining, this.buf.length);
        if (take > 0) this.addBody(this.buf.subarray(0, take));
        this.buf = this.buf.subarray(take);
        s.remaining -= take;
        return s.remaining === 0 ? this.complete() : 'more';
      }
      case 'chunk-size': {
        const line = this.line();
        if (line === undefined) return 'more';
        const hex = line.split(';')[0]!.trim();
        if (!/^[0-9a-fA-F]{1,8}$/.test(hex)) throw broken('bad chunk size');
        const size = parseInt(hex, 16);
        this.state = size === 0 ? { kind: 'trailers' } : { kind: 'chunk-data', remaining: size };
        if (size > 0 && this.bodySize + size > this.maxBodyBytes) throw tooLarge(this.maxBodyBytes);
        return null;
      }
      case 'chunk-data': {
        const take = Math.min(s.remaining, this.buf.length);
        if (take > 0) this.addBody(this.buf.subarray(0, take));
        this.buf = this.buf.subarray(take);
        s.remaining -= take;
        if (s.remaining > 0) return 'more';
        this.state = { kind: 'chunk-end' };
        return null;
      }
      case 'chunk-end': {
        const line = this.line();
        if (line === undefined) return 'more';
        if (line !== '') throw broken('missing CRLF after chunk');
        this.state = { kind: 'chunk-size' };
        return null;
      }
      case 'trailers': {
        const line = this.line();
        if (line === undefined) return 'more';
        return line === '' ? this.complete() : null;
      }
    }
  }

  private line(): string | undefined {
    const i = this.buf.indexOf(CRLF);
    if (i < 0) {
      if (this.buf.length > MAX_HEAD_BYTES) throw broken('line too long');
      return undefined;
    }
    const text = this.buf.subarray(0, i).toString('latin1');
    this.buf = this.buf.subarray(i + 2);
    return text;
  }

  /** sets up the body state; returns the response at once when it has no body */
  private parseHead(head: string): FunctionResponse | null {
    const lines = head.split('\r\n');
    const m = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/.exec(lines[0] ?? '');
    if (!m) throw broken(`bad status line ${JSON.stringify((lines[0] ?? '').slice(0, 80))}`);
    const status = Number(m[1]);
    const headers: Array<[string, string]> = [];
    let length: number | undefined;
    let chunked = false;
    for (const l of lines.slice(1)) {
      const c = l.indexOf(':');
      if (c <= 0) throw broken('bad header line');
      const name = l.slice(0, c).trim();
      const value = l.slice(c + 1).trim();
      const lower = name.toLowerCase();
      if (lower === 'content-length') {
        if (!/^\d+$/.test(value)) throw broken('bad Content-Length');
        length = Number(value);
      } else if (lower === 'transfer-encoding')
        chunked = value
          .toLowerCase()
          .split(',')
          .map((t) => t.trim())
          .includes('chunked');
      headers.push([name, value]);
    }
    // 101 would switch the protocol on the client's connection: never relayed, the call fails (502)
    if (status === 101) throw broken('function answered with invalid status 101 (allowed: 200-599)');
    if (status >= 100 && status < 200) return null; // interim response (100 Continue): skip
    this.status = status;
    this.headers = headers;
    if (this.head || status === 204 || status === 304) return this.complete();
    if (chunked) this.state = { kind: 'chunk-size' };
    else if (length !== undefined) {
      if (length > this.maxBodyBytes) throw tooLarge(this.maxBodyBytes);
      this.state = { kind: 'body', remaining: length };
    } else throw broken('response needs Content-Length or chunked Transfer-Encoding');
    return null;
  }

  private addBody(part: Buffer): void {
    this.bodySize += part.length;
    if (this.bodySize > this.maxBodyBytes) throw tooLarge(this.maxBodyBytes);
    this.body.push(Buffer.from(part)); // copy: `part` may alias a large shared chunk
  }

  private complete(): FunctionResponse {
    const res = { status: this.status, headers: this.headers, body: Buffer.concat(this.body, this.bodySize) };
    this.state = { kind: 'head' };
    this.body = [];
    this.bodySize = 0;
    this.headers = [];
    return res;
  }
}
