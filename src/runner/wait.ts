// Waits for a container's exit with our own request rather than dockerode's: Podman sends the
// headers at once and the body at exit, and dockerode never settles when the connection dies in
// between (calls hung forever when the API service went away mid-call).
// Podman's own (libpod) wait endpoint, polled every 10 ms: the Docker-compatible one answers 200-400 ms
// after the exit on Podman 4.3 (measured by bench/run.ts: cold.bare vs cold.bare_libpod_wait), which
// was most of a cold call. A Docker engine (no libpod API) falls back to the compatible one.
import http from 'node:http';
import { PodmanApiError, PodmanUnavailableError } from './errors.ts';

let libpod = true;

/** Exit code of the container; PodmanUnavailableError when the connection fails or dies early. */
export async function waitContainer(socketPath: string, id: string, signal?: AbortSignal): Promise<number> {
  if (!libpod) return waitOnce(socketPath, id, false, signal);
  try {
    return await waitOnce(socketPath, id, true, signal);
  } catch (err) {
    if (!(err instanceof PodmanApiError && err.statusCode === 404 && /page not found/i.test(err.message))) throw err;
    libpod = false;
    return waitOnce(socketPath, id, false, signal);
  }
}

function waitOnce(socketPath: string, id: string, useLibpod: boolean, signal?: AbortSignal): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    let done = false;
    const finish = (err: Error | null, code = -1) => {
      if (done) return;
      done = true;
      signal?.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve(code);
    };
    const req = http.request({
      socketPath,
      method: 'POST',
      path: useLibpod
        ? `/v4.0.0/libpod/containers/${encodeURIComponent(id)}/wait?condition=exited&condition=stopped&interval=10ms`
        : `/v1.41/containers/${encodeURIComponent(id)}/wait`,
      headers: { 'Content-Length': '0' },
    });
    const onAbort = () => {
      const err = new Error('wait aborted');
      err.name = 'AbortError';
      finish(err);
      req.destroy();
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (err: NodeJS.ErrnoException) => finish(new PodmanUnavailableError(`wait: ${err.message}`, err.code)));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', () => undefined); // 'close' below reports it
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: { StatusCode?: unknown; message?: string; cause?: string } = {};
        try {
          const parsed = JSON.parse(text) as unknown;
          // libpod answers the bare exit code, the compatible API {"StatusCode": n}
          body = typeof parsed === 'number' ? { StatusCode: parsed } : ((parsed as typeof body) ?? {});
        } catch {
          /* reported below */
        }
        if (res.statusCode !== 200) {
          finish(new PodmanApiError(`wait: ${body.message ?? body.cause ?? (text.trim() || `HTTP ${res.statusCode}`)}`, res.statusCode ?? 500));
        } else if (typeof body.StatusCode !== 'number') {
          finish(new PodmanUnavailableError(`wait: unexpected answer ${JSON.stringify(text.slice(0, 200))}`));
        } else {
          finish(null, body.StatusCode);
        }
      });
      res.on('close', () => {
        if (!res.complete) finish(new PodmanUnavailableError('wait: connection closed before the container exited'));
      });
    });
    req.end();
  });
}
