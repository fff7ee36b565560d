// Raw attach to a container's stdio over the Podman API socket: Podman.attach (the contract is
// ContainerRuntime.attach in runtime.ts). dockerode's attach({hijack:true}) sends its options as a
// JSON body that Podman feeds into the container's stdin, so we send our own upgrade request with an
// empty body (a Podman 4.3 quirk). Serves one-shot cold calls (write body, end) and long-lived hot
// stdio containers (stdin stays open) alike.
import http from 'node:http';
import type { Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import { PodmanApiError, PodmanUnavailableError } from './errors.ts';
import type { Podman } from './podman.ts';
import type { Attachment, AttachOptions } from './runtime.ts';

export type { Attachment, AttachOptions } from './runtime.ts';

export function attachContainer(podman: Podman, id: string, opts: AttachOptions = {}): Promise<Attachment> {
  const timeoutMs = opts.timeoutMs ?? 15_000;
  return new Promise<Attachment>((resolve, reject) => {
    let settled = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      if (err instanceof PodmanUnavailableError) podman.reportUnavailable(err);
      clearTimeout(timer);
      req.destroy();
      reject(err);
    };
    const req = http.request({
      socketPath: podman.socketPath,
      method: 'POST',
      path: `/v1.41/containers/${encodeURIComponent(id)}/attach?stream=1&stdin=1&stdout=1&stderr=1`,
      headers: { Connection: 'Upgrade', Upgrade: 'tcp', 'Content-Length': '0' },
    });
    const timer = setTimeout(() => fail(new PodmanUnavailableError(`attach: no answer within ${timeoutMs} ms`)), timeoutMs);

    req.on('upgrade', (_res, socket: Socket, head: Buffer) => {
      if (settled) {
        socket.destroy();
        return;
      }
      settled = true;
      clearTimeout(timer);
      if (head.length > 0) socket.unshift(head);
      resolve(wrapSocket(podman, socket));
    });

    // A plain response instead of an upgrade is an API error (no such container, ...).
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let message = text.trim();
        try {
          const parsed = JSON.parse(text) as { message?: string; cause?: string };
          message = parsed.message ?? parsed.cause ?? message;
        } catch {
          /* not JSON */
        }
        fail(new PodmanApiError(`attach: ${message || `HTTP ${res.statusCode}`}`, res.statusCode ?? 500));
      });
      res.on('error', (err) => fail(new PodmanUnavailableError(`attach: ${err.message}`)));
    });

    req.on('error', (err: NodeJS.ErrnoException) => fail(new PodmanUnavailableError(`attach: ${err.message}`, err.code)));
    req.end();
  });
}

function wrapSocket(podman: Podman, socket: Socket): Attachment {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  socket.setNoDelay(true);
  podman.docker.modem.demuxStream(socket, stdout, stderr);
  const closed = new Promise<void>((resolve) => {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      stdout.end();
      stderr.end();
      resolve();
    };
    socket.on('end', finish);
    socket.on('close', finish);
    // A reset after the container died is an ordinary end of the stream here.
    socket.on('error', finish);
  });
  // Writes after the container exited fail with EPIPE; the caller learns the outcome from wait().
  socket.on('error', () => undefined);
  return {
    stdin: socket,
    stdout,
    stderr,
    closed,
    destroy: () => socket.destroy(),
  };
}
