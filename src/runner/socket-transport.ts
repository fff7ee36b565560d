// HTTP/1.1 to a hot container over its Unix socket: one dedicated keep-alive agent with a single
// connection per container (the contract allows one in-flight call), the call's deadline enforced
// here, and the response body capped at maxResponseBytes while it streams in (never buffered beyond).
// A call may stream both ways: its request body from a Readable (Content-Length when known, else
// chunked), its answer on to an AnswerStream as it arrives (transport.ts).
import http from 'node:http';
import type { Writable } from 'node:stream';
import type { FunctionRequest, FunctionResponse } from './formats/message.ts';
import { TransportError, timerMs, tooLarge, type AnswerStream, type HotTransport } from './transport.ts';

const EMPTY = Buffer.alloc(0);

/** A kept-alive connection the function had closed while idle: the request never reached it. */
class StaleConnection extends Error {}

export class SocketTransport implements HotTransport {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1, maxFreeSockets: 1 });

  /**
   * `socketPath` is where to connect: for a hot container the /proc/self/fd path of its verified
   * listener (socket-dir.ts), never a path inside the container's folder; `release` runs on close().
   */
  constructor(
    readonly socketPath: string,
    private readonly maxResponseBytes: number,
    private readonly release?: () => void,
  ) {}

  async roundTrip(req: FunctionRequest, deadline: number, signal?: AbortSignal, stream?: AnswerStream): Promise<FunctionResponse> {
    try {
      return await this.once(req, deadline, signal, stream);
    } catch (err) {
      // once more, fresh connection (a streamed request body always gets a fresh one: never stale)
      if (err instanceof StaleConnection) return this.once(req, deadline, signal, stream);
      throw err;
    }
  }

  close(): void {
    this.agent.destroy();
    this.release?.();
  }

  private once(req: FunctionRequest, deadline: number, signal?: AbortSignal, stream?: AnswerStream): Promise<FunctionResponse> {
    return new Promise<FunctionResponse>((resolve, reject) => {
      const remaining = deadline - Date.now();
      if (remaining <= 0) return reject(new TransportError('timeout', 'Timed out'));
      if (signal?.aborted) return reject(new TransportError('aborted', 'call aborted'));

      const headers: string[] = [];
      for (const [n, v] of req.headers) headers.push(n, v);
      const body = req.bodyStream;
      if (!body) headers.push('Host', 'localhost', 'Content-Length', String(req.body.length));
      else if (req.bodyLength !== undefined) headers.push('Host', 'localhost', 'Content-Length', String(req.bodyLength));
      else headers.push('Host', 'localhost', 'Transfer-Encoding', 'chunked');

      let r: http.ClientRequest | undefined;
      let settled = false;
      let gotResponse = false;
      /** where a streamed answer's body goes, once its head went out */
      let out: Writable | undefined;
      const finish = (err: Error | null, res?: FunctionResponse) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (body) {
          body.off('error', onBodyError);
          if (r) body.unpipe(r);
        }
        if (err) {
          r?.destroy();
          out?.destroy(); // the client can tell a cut-short answer from a whole one
          reject(err);
        } else {
          // the function answered before it read the whole request body: that connection cannot
          // carry another request, so it is not kept
          if (body && r && !r.writableFinished) r.destroy();
          resolve(res!);
        }
      };
      const timer = setTimeout(() => finish(new TransportError('timeout', 'Timed out')), timerMs(remaining));
      const onAbort = () => finish(new TransportError('aborted', 'call aborted'));
      signal?.addEventListener('abort', onAbort, { once: true });
      // the client's body failed (cap, deadline, disconnect): the caller knows why and answers for it
      const onBodyError = (err: Error) => finish(new TransportError('aborted', `request body failed: ${err.message}`));

      try {
        // a streamed body cannot be replayed after a stale kept-alive connection took part of it: it
        // goes on a connection of its own (a connect costs ~50 us; such bodies are >= 64 KiB)
        r = http.request({ agent: body ? false : this.agent, socketPath: this.socketPath, method: req.method, path: req.target, headers });
      } catch (err) {
        // node refused to build the request (bad header or path): nothing reached the function
        return finish(new TransportError('broken', `cannot send the request: ${(err as Error).message}`));
      }
      const sent = r;
      sent.on('response', (res) => {
        gotResponse = true;
        if (stream) this.relay(res, stream, finish, (w) => (out = w));
        else this.collect(res, finish);
      });
      // node hands a 101 with Upgrade to 'upgrade', not 'response': refuse it here, else the call
      // would hang until its timeout. Never relayed to the client (a smuggling pattern).
      sent.on('upgrade', (res, socket) => {
        socket.destroy();
        finish(new TransportError('broken', `function answered with invalid status ${res.statusCode ?? 101} (allowed: 200-599)`));
      });
      sent.on('error', (err: NodeJS.ErrnoException) => {
        if (!gotResponse && sent.reusedSocket && (err.code === 'ECONNRESET' || err.code === 'EPIPE')) {
          return finish(new StaleConnection());
        }
        finish(new TransportError('broken', `function connection failed: ${err.message}`));
      });
      if (body) {
        body.on('error', onBodyError);
        body.pipe(sent);
      } else sent.end(req.body);
    });
  }

  /**
   * Streams the response body on to where `stream.head` says, under the cap, with backpressure both
   * ways (the function's socket pauses while the client's is full); `finish` settles once.
   */
  private relay(
    res: http.IncomingMessage,
    stream: AnswerStream,
    finish: (err: Error | null, res?: FunctionResponse) => void,
    opened: (w: Writable) => void,
  ): void {
    const limit = this.maxResponseBytes;
    const declared =
      res.headers['transfer-encoding'] === undefined && res.headers['content-length'] !== undefined ? Number(res.headers['content-length']) : undefined;
    if (declared !== undefined && declared > limit) return finish(tooLarge(limit));
    const pairs: Array<[string, string]> = [];
    for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) pairs.push([res.rawHeaders[i]!, res.rawHeaders[i + 1]!]);
    const status = res.statusCode ?? 502;
    let out: Writable;
    try {
      out = stream.head(status, pairs, declared);
    } catch (err) {
      return finish(err as Error);
    }
    stream.sent = true;
    opened(out);
    const resume = () => res.resume();
    res.on('data', (chunk: Buffer) => {
      if (stream.bytes + chunk.length > limit) return finish(tooLarge(limit));
      stream.bytes += chunk.length;
      if (!out.write(chunk)) {
        res.pause();
        out.once('drain', resume);
      }
    });
    res.on('end', () => {
      out.off('drain', resume);
      out.end();
      finish(null, { status, headers: pairs, body: EMPTY });
    });
    res.on('close', () => {
      if (!res.complete) finish(new TransportError('broken', 'function closed the connection mid-response'));
    });
    res.on('error', (err) => finish(new TransportError('broken', `function connection failed: ${err.message}`)));
  }

  /** Reads the response body under the cap; `finish` settles the exchange exactly once. */
  private collect(res: http.IncomingMessage, finish: (err: Error | null, res?: FunctionResponse) => void): void {
    const limit = this.maxResponseBytes;
    if (Number(res.headers['content-length']) > limit) return finish(tooLarge(limit));
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) return finish(tooLarge(limit));
      chunks.push(chunk);
    });
    res.on('end', () => {
      const pairs: Array<[string, string]> = [];
      for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) pairs.push([res.rawHeaders[i]!, res.rawHeaders[i + 1]!]);
      finish(null, { status: res.statusCode ?? 502, headers: pairs, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size) });
    });
    res.on('close', () => {
      if (!res.complete) finish(new TransportError('broken', 'function closed the connection mid-response'));
    });
    res.on('error', (err) => finish(new TransportError('broken', `function connection failed: ${err.message}`)));
  }
}
