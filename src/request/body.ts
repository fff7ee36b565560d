// Reading a request body from node's IncomingMessage, the same for /r and the admin API: with a size
// cap, so an oversize upload is refused with 413 while it streams instead of being buffered whole, and
// with a deadline, so a client that sends its body slowly (or never finishes it) is answered 408 and
// disconnected instead of holding its connection for minutes.
import type { IncomingMessage } from 'node:http';
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
  return new Promise((resolve, reject) => {
    // already aborted: 'error' was emitted before anyone listened and 'end' will never come
    if (incoming.destroyed && !incoming.readableEnded) return reject(incompleteBody());
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
      if (size <= limit) return void chunks.push(chunk);
      detach();
      incoming.resume(); // discard the rest, so the 413 can still be answered on this connection
      reject(tooLarge(limit));
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
