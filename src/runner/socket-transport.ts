// HTTP/1.1 to a hot container over its Unix socket: one dedicated keep-alive agent with a single
// connection per container (the contract allows one in-flight call), the call's deadline enforced
// here, and the response body capped at maxResponseBytes while it streams in (never buffered beyond).
import http from 'node:http';
import type { FunctionRequest, FunctionResponse } from './formats/message.ts';
import { TransportError, timerMs, tooLarge, type HotTransport } from './transport.ts';

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

  async roundTrip(req: FunctionRequest, deadline: number, signal?: AbortSignal): Promise<FunctionResponse> {
    try {
      return await this.once(req, deadline, signal);
    } catch (err) {
      if (err instanceof StaleConnection) return this.once(req, deadline, signal); // once more, fresh connection
      throw err;
    }
  }

  close(): void {
    this.agent.destroy();
    this.release?.();
  }

  private once(req: FunctionRequest, deadline: number, signal?: AbortSignal): Promise<FunctionResponse> {
    return new Promise<FunctionResponse>((resolve, reject) => {
      const remaining = deadline - Date.now();
      if (remaining <= 0) return reject(new TransportError('timeout', 'Timed out'));
      if (signal?.aborted) return reject(new TransportError('aborted', 'call aborted'));

      const headers: string[] = [];
      for (const [n, v] of req.headers) headers.push(n, v);
      headers.push('Host', 'localhost', 'Content-Length', String(req.body.length));

      let r: http.ClientRequest | undefined;
      let settled = false;
      let gotResponse = false;
      const finish = (err: Error | null, res?: FunctionResponse) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (err) {
          r?.destroy();
          reject(err);
        } else resolve(res!);
      };
      const timer = setTimeout(() => finish(new TransportError('timeout', 'Timed out')), timerMs(remaining));
      const onAbort = () => finish(new TransportError('aborted', 'call aborted'));
      signal?.addEventListener('abort', onAbort, { once: true });

      try {
        r = http.request({ agent: this.agent, socketPath: this.socketPath, method: req.method, path: req.target, headers });
      } catch (err) {
        // node refused to build the request (bad header or path): nothing reached the function
        return finish(new TransportError('broken', `cannot send the request: ${(err as Error).message}`));
      }
      const sent = r;
      sent.on('response', (res) => {
        gotResponse = true;
        this.collect(res, finish);
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
      sent.end(req.body);
    });
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
