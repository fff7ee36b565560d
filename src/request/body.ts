// Reading a request body from node's IncomingMessage, the same for /r and the admin API: with a size
// cap, so an oversize upload is refused with 413 while it streams instead of being buffered whole, and
// with a deadline, so a client that sends its body slowly (or never finishes it) is answered 408 and
// disconnected instead of holding its connection for minutes. A large body can also be passed on while
// it arrives (readOrStream, StreamedBody: the gateway streams it into a hot `http` function), under the
// same cap and deadline.
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { ApiError } from '../models/errors.ts';

export function tooLarge(limit: number) {
  return new ApiError(413, `Request body too large: the limit is ${limit} bytes`);
}

/** The client closed the connection before the whole body arrived: its fault, not a server error. */
export function incompleteBody() {
  return new ApiError(400, 'Request body incomplete: the connection closed before the whole body arrived');
}

/** The body did not arrive within the deadline: 408, and the connection is closed (the rest of the
 * body may still be on its way; the next request on this connection could not be framed). */
export function bodyTimedOut(ms: number) {
  return new ApiError(408, `Request body timed out: the whole body must arrive within ${ms} ms`, { Connection: 'close' });
}

// One deadline for every body read in the process (PODFN_BODY_TIMEOUT_MS), set by createHttpServer
// (src/http/server.ts): /r and many admin handlers read bodies, and a process serves one HTTP server.
let bodyTimeoutMs = 10_000;

export function setBodyTimeout(ms: number): void {
  bodyTimeoutMs = ms;
}

export function readIncoming(incoming: IncomingMessage, limit: number, timeoutMs = bodyTimeoutMs): Promise<Buffer> {
  return readOrStream(incoming, limit, Infinity, timeoutMs) as Promise<Buffer>;
}

/**
 * Reads a body like readIncoming while it stays within `streamAfter` bytes; a larger one, still
 * arriving, resolves early as a StreamedBody: what arrived so far, then the rest as it comes, under the
 * same cap and the same deadline (counted from here, not restarted).
 */
export function readOrStream(incoming: IncomingMessage, limit: number, streamAfter: number, timeoutMs = bodyTimeoutMs): Promise<Buffer | StreamedBody> {
  return new Promise((resolve, reject) => {
    // already aborted: 'error' was emitted before anyone listened and 'end' will never come
    if (incoming.destroyed && !incoming.readableEnded) return reject(incompleteBody());
    const deadline = Date.now() + timeoutMs;
    const chunks: Buffer[] = [];
    let size = 0;
    const onTimeout = () => {
      detach();
      incoming.resume(); // discard what still comes until the 408 is out and the connection closes
      reject(bodyTimedOut(timeoutMs));
    };
    // a deadline for the whole body, not an idle timeout: a byte every few seconds must not keep it open
    const timer = setTimeout(onTimeout, timeoutMs);
    const detach = () => {
      clearTimeout(timer);
      incoming.off('data', onData).off('end', onEnd).off('error', onError);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        detach();
        incoming.resume(); // discard the rest, so the 413 can still be answered on this connection
        return reject(tooLarge(limit));
      }
      chunks.push(chunk);
      if (size > streamAfter) {
        detach();
        incoming.pause();
        resolve(new StreamedBody(incoming, chunks, size, limit, deadline, timeoutMs));
      }
    };
    const onEnd = () => {
      detach();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onError = (err: Error & { code?: string }) => {
      detach();
      // node reports a client that went away mid-body as ECONNRESET "aborted"
      reject(err.code === 'ECONNRESET' ? incompleteBody() : err);
    };
    incoming.on('data', onData).on('end', onEnd).on('error', onError);
  });
}

/**
 * A request body passed on while it arrives: the chunks read so far, then the rest of `incoming`, with
 * backpressure (the client's socket pauses while the reader is full). It errors with the ApiError of
 * the body's fault (413 over the cap, 408 past the deadline, 400 when the client went away), also kept
 * in `failure` for whoever answers the client. After a failure the rest of the body is discarded.
 */
export class StreamedBody extends Readable {
  failure: ApiError | undefined;
  private size: number;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly incoming: IncomingMessage,
    head: Buffer[],
    size: number,
    private readonly limit: number,
    deadline: number,
    timeoutMs: number,
  ) {
    super({ highWaterMark: 64 * 1024 });
    this.size = size;
    for (const c of head) this.push(c);
    this.timer = setTimeout(() => this.fail(bodyTimedOut(timeoutMs)), Math.max(0, deadline - Date.now()));
    incoming.on('data', this.onData).on('end', this.onEnd).on('error', this.onError).on('close', this.onClose);
    incoming.pause(); // until the reader asks (_read)
  }

  /** true once the whole body arrived */
  get complete(): boolean {
    return this.incoming.readableEnded;
  }

  override _read(): void {
    if (!this.failure) this.incoming.resume();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    clearTimeout(this.timer);
    this.detach();
    if (!this.incoming.readableEnded) this.incoming.resume(); // nobody reads it any more: discard
    cb(err);
  }

  private readonly onData = (chunk: Buffer) => {
    this.size += chunk.length;
    if (this.size > this.limit) return this.fail(tooLarge(this.limit));
    if (!this.push(chunk)) this.incoming.pause();
  };

  private readonly onEnd = () => {
    clearTimeout(this.timer);
    this.detach();
    this.push(null);
  };

  private readonly onError = (err: Error & { code?: string }) => {
    this.fail(err.code === 'ECONNRESET' ? incompleteBody() : new ApiError(400, `Request body failed: ${err.message}`));
  };

  private readonly onClose = () => {
    if (!this.incoming.readableEnded) this.fail(incompleteBody());
  };

  private detach(): void {
    this.incoming.off('data', this.onData).off('end', this.onEnd).off('error', this.onError).off('close', this.onClose);
  }

  private fail(err: ApiError): void {
    if (this.failure || this.destroyed) return;
    this.failure = err;
    this.destroy(err);
  }
}
