// HTTP/1.1 to a hot container over its Unix socket, on a raw net.Socket with a minimal codec (the
// request head written by hand, the answer parsed by http1-parser.ts): node:http's client (agent,
// ClientRequest, IncomingMessage) cost ~30 us a call more. One kept-alive connection per container
// (the contract allows one in-flight call), the call's deadline enforced here, and the response body
// capped at maxResponseBytes while it streams in (never buffered beyond). A call may stream both ways:
// its request body from a Readable (Content-Length when known, else chunked; always on a connection of
// its own, as it cannot be replayed after a stale one), its answer on to an AnswerStream as it arrives
// (transport.ts), with backpressure both ways. A kept-alive connection the function had closed while
// idle is retried once on a fresh one (the request never reached it).
import net from 'node:net';
import type { Writable } from 'node:stream';
import type { FunctionRequest, FunctionResponse } from './formats/message.ts';
import { InvalidStatus, ParseError, ResponseParser, type ParserEvents, type ResponseHead } from './http1-parser.ts';
import { TransportError, timerMs, tooLarge, type AnswerStream, type HotTransport } from './transport.ts';
import type { CallSignal } from './types.ts';

const EMPTY = Buffer.alloc(0);
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const BAD_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
const BAD_TARGET = /[^\u0021-\u00ff]/;

/** A kept-alive connection the function had closed while idle: the request never reached it. */
class StaleConnection extends Error {}

type Finish = (err: Error | null, res?: FunctionResponse) => void;

/** One connection to the function and its parser; `ex` is the exchange it carries, if any. */
interface Conn {
  socket: net.Socket;
  parser: ResponseParser;
  ex: Exchange | undefined;
  /** carried an exchange before (a failure before any answer byte means it was stale) */
  used: boolean;
}

interface Exchange {
  conn: Conn;
  finish: Finish;
  /** answer bytes seen (a stale connection sees none) */
  touched: boolean;
}

export class SocketTransport implements HotTransport {
  private idle: Conn | undefined;
  private closed = false;
  private readonly conns = new Set<Conn>();

  /**
   * `socketPath` is where to connect: for a hot container the /proc/self/fd path of its verified
   * listener (socket-dir.ts), never a path inside the container's folder; `release` runs on close().
   */
  constructor(
    readonly socketPath: string,
    private readonly maxResponseBytes: number,
    private readonly release?: () => void,
  ) {}

  async roundTrip(req: FunctionRequest, deadline: number, signal?: CallSignal, stream?: AnswerStream): Promise<FunctionResponse> {
    try {
      return await this.once(req, deadline, signal, stream);
    } catch (err) {
      if (err instanceof StaleConnection) return this.once(req, deadline, signal, stream); // once more, fresh connection
      throw err;
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.idle = undefined;
    for (const c of this.conns) c.socket.destroy();
    this.conns.clear();
    this.release?.();
  }

  private once(req: FunctionRequest, deadline: number, signal?: CallSignal, stream?: AnswerStream): Promise<FunctionResponse> {
    return new Promise<FunctionResponse>((resolve, reject) => {
      const remaining = deadline - Date.now();
      if (remaining <= 0) return reject(new TransportError('timeout', 'Timed out'));
      if (signal?.aborted) return reject(new TransportError('aborted', 'call aborted'));
      if (this.closed) return reject(new TransportError('broken', 'function connection failed: transport closed'));
      const body = req.bodyStream;
      let head: Buffer;
      try {
        head = requestHead(req);
      } catch (err) {
        // a bad header or target: nothing reached the function
        return reject(new TransportError('broken', `cannot send the request: ${(err as Error).message}`));
      }

      // a streamed body gets a connection of its own, closed after (it cannot be replayed)
      const conn = !body && this.idle && !this.idle.socket.destroyed ? this.idle : this.connect();
      this.idle = undefined;
      const limit = this.maxResponseBytes;
      let settled = false;
      let out: Writable | undefined;
      let size = 0;
      const chunks: Buffer[] = [];
      let answer: ResponseHead | undefined;
      const ex: Exchange = { conn, finish: (err, res) => finish(err, res), touched: false };
      const finish: Finish = (err, res) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        conn.ex = undefined;
        if (body) {
          body.off('data', onBodyData).off('end', onBodyEnd).off('error', onBodyError);
          conn.socket.off('drain', resumeBody);
        }
        if (out) out.off('drain', resumeSocket);
        if (err) {
          conn.parser.stop();
          this.drop(conn);
          out?.destroy(); // the client can tell a cut-short answer from a whole one
          if (err instanceof StaleConnection) return reject(err);
          reject(err instanceof TransportError || !(err instanceof ParseError) ? err : parseFailure(err));
        } else {
          // reusable: the answer said keep-alive, our request went out whole, nothing else pending
          if (!body && conn.parser.keepAlive && conn.socket.writableLength === 0 && !this.closed && !conn.socket.destroyed) {
            conn.used = true;
            this.idle = conn;
          } else this.drop(conn);
          resolve(res!);
        }
      };
      const timer = setTimeout(() => finish(new TransportError('timeout', 'Timed out')), timerMs(remaining));
      const onAbort = () => finish(new TransportError('aborted', 'call aborted'));
      signal?.addEventListener('abort', onAbort, { once: true });

      const resumeSocket = () => conn.socket.resume();
      const resumeBody = () => body?.resume();
      const events: ParserEvents = {
        head: (h) => {
          answer = h;
          if (h.length !== undefined && h.length > limit) return finish(tooLarge(limit));
          if (!stream) return;
          try {
            out = stream.head(h.status, h.headers, h.length);
          } catch (err) {
            return finish(err as Error);
          }
          stream.sent = true;
        },
        body: (chunk) => {
          if (size + chunk.length > limit) return finish(tooLarge(limit));
          size += chunk.length;
          if (out) {
            stream!.bytes = size;
            if (!out.write(chunk)) {
              conn.socket.pause();
              out.once('drain', resumeSocket);
            }
          } else chunks.push(chunk);
        },
        end: () => {
          const h = answer!;
          if (out) {
            out.end();
            return finish(null, { status: h.status, headers: h.headers, body: EMPTY });
          }
          finish(null, {
            status: h.status,
            headers: h.headers,
            body: chunks.length === 1 ? chunks[0]! : chunks.length === 0 ? EMPTY : Buffer.concat(chunks, size),
          });
        },
      };
      conn.parser.begin(events, req.method === 'HEAD');
      conn.ex = ex;
      conn.socket.resume();

      // the client's body failed (cap, deadline, disconnect): the caller knows why and answers for it
      const onBodyError = (err: Error) => finish(new TransportError('aborted', `request body failed: ${err.message}`));
      const chunked = body && req.bodyLength === undefined;
      const onBodyData = (c: Buffer) => {
        if (c.length === 0) return;
        if (chunked) {
          conn.socket.cork();
          conn.socket.write(`${c.length.toString(16)}\r\n`);
          conn.socket.write(c);
          conn.socket.write('\r\n');
          conn.socket.uncork();
        } else conn.socket.write(c);
        if (conn.socket.writableNeedDrain) {
          body!.pause();
          conn.socket.once('drain', resumeBody);
        }
      };
      const onBodyEnd = () => {
        if (chunked) conn.socket.write('0\r\n\r\n');
      };
      if (body) {
        conn.socket.write(head);
        body.on('data', onBodyData).on('end', onBodyEnd).on('error', onBodyError);
      } else if (req.body.length > INLINE_BODY_MAX) {
        conn.socket.cork();
        conn.socket.write(head);
        conn.socket.write(req.body);
        conn.socket.uncork();
      } else conn.socket.write(head); // the body, if any, is in it
    });
  }

  private connect(): Conn {
    const socket = net.createConnection({ path: this.socketPath });
    const conn: Conn = { socket, parser: new ResponseParser(), ex: undefined, used: false };
    this.conns.add(conn);
    socket.on('data', (data: Buffer) => {
      const ex = conn.ex;
      if (!ex) return this.drop(conn); // bytes outside an exchange: the connection is misaligned
      ex.touched = true;
      try {
        conn.parser.push(data);
      } catch (err) {
        if (conn.ex) conn.ex.finish(err as Error);
        else this.drop(conn); // bytes after an answer that was already complete
      }
    });
    const ended = (err?: NodeJS.ErrnoException) => {
      const ex = conn.ex;
      if (!ex) return this.drop(conn);
      if (!ex.touched && conn.used && (!err || err.code === 'ECONNRESET' || err.code === 'EPIPE')) return ex.finish(new StaleConnection());
      if (err) return ex.finish(new TransportError('broken', `function connection failed: ${err.message}`));
      try {
        conn.parser.eof(); // completes an answer framed by the close
      } catch {
        ex.finish(new TransportError('broken', 'function closed the connection mid-response'));
      }
    };
    socket.on('error', ended);
    socket.on('end', () => ended());
    socket.on('close', () => ended());
    return conn;
  }

  private drop(conn: Conn): void {
    conn.used = true;
    if (this.idle === conn) this.idle = undefined;
    this.conns.delete(conn);
    conn.socket.destroy();
  }
}

/** A body up to this size goes out in the request head's buffer. */
const INLINE_BODY_MAX = 16 * 1024;

/**
 * The request head in one buffer, with the body after it when it is small (`req.body.length` at most
 * INLINE_BODY_MAX); throws on a header or target node would refuse to send.
 */
function requestHead(req: FunctionRequest): Buffer {
  if (!TOKEN.test(req.method)) throw new Error(`invalid method ${JSON.stringify(req.method)}`);
  if (BAD_TARGET.test(req.target)) throw new Error('Request path contains unescaped characters');
  let head = `${req.method} ${req.target} HTTP/1.1\r\n`;
  for (const [n, v] of req.headers) {
    if (!TOKEN.test(n)) throw new Error(`Header name must be a valid HTTP token ["${n}"]`);
    if (BAD_VALUE.test(v)) throw new Error(`Invalid character in header content ["${n}"]`);
    head += `${n}: ${v}\r\n`;
  }
  if (!req.bodyStream) head += `Host: localhost\r\nContent-Length: ${req.body.length}\r\n\r\n`;
  else if (req.bodyLength !== undefined) head += `Host: localhost\r\nContent-Length: ${req.bodyLength}\r\nConnection: close\r\n\r\n`;
  else head += 'Host: localhost\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n';
  const body = req.bodyStream ? EMPTY : req.body;
  if (body.length === 0 || body.length > INLINE_BODY_MAX) return Buffer.from(head, 'latin1');
  // head and a small body in one buffer: one write() instead of cork + two writes + writev (fewer
  // allocations per call, the same bytes on the wire)
  const out = Buffer.allocUnsafe(head.length + body.length);
  out.write(head, 0, 'latin1');
  body.copy(out, head.length);
  return out;
}

function parseFailure(err: ParseError): TransportError {
  if (err instanceof InvalidStatus) return new TransportError('broken', err.message);
  return new TransportError('broken', `function answered malformed HTTP: ${err.message}`);
}
