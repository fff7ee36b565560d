// Starts one hot container for a pool: memory admission (held for the container's life), image
// transport lookup, a private socket dir bind-mounted at /tmp/iofs, create + attach + start, then
// readiness: the socket file appears (socket transport) within hotStartTimeoutMs, or the container
// is up (seed stdio transport). Any failure removes what was made and releases the memory.
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { attachContainer, type Attachment } from './attach.ts';
import { baseEnv, toEnvList } from './call-env.ts';
import { buildContainerSpec, containerName, labelValue } from './container-spec.ts';
import { PodmanApiError } from './errors.ts';
import { HotContainer, settledExitCode } from './hot-container.ts';
import type { MemoryAdmission } from './memory.ts';
import type { RunnerOptions } from './options.ts';
import { LABEL_APP, LABEL_POOL, LABEL_ROUTE, type Podman } from './podman.ts';
import { SocketTransport } from './socket-transport.ts';
import { waitForSocket } from './socket-wait.ts';
import { StdioTransport } from './stdio-transport.ts';
import type { FunctionSpec } from './types.ts';

export const CONTAINER_SOCKET_DIR = '/tmp/iofs';
export const LISTENER = `unix:${CONTAINER_SOCKET_DIR}/lsnr.sock`;

export interface LaunchDeps {
  podman: Podman;
  options: RunnerOptions;
  memory: MemoryAdmission;
}

/** The container could not become ready: 502, the platform's side of the contract (retryable). */
export class HotStartError extends Error {
  override readonly name = 'HotStartError';
}

export async function launchHotContainer(deps: LaunchDeps, fn: FunctionSpec, poolId: string, waitUntil: number): Promise<HotContainer> {
  const { podman, options } = deps;
  if (fn.format !== 'http' && fn.format !== 'json') throw new Error(`format ${fn.format} is not hot`);
  const image = await podman.inspectImage(fn.image);
  if (!image) throw new PodmanApiError(`no such image ${fn.image}`, 404);
  const release = await deps.memory.acquire(fn.memory, { waitMs: Math.max(0, Math.min(options.memoryWaitMs, waitUntil - Date.now())) });

  const suffix = randomBytes(8).toString('hex');
  const stdio = image.transport === 'stdio';
  const socketDir = stdio ? undefined : path.join(options.socketDir, suffix);
  let id: string | undefined;
  let att: Attachment | undefined;
  const cleanup = async () => {
    att?.destroy();
    if (id) await podman.removeOrDefer(id);
    if (socketDir) await rm(socketDir, { recursive: true, force: true }).catch(() => undefined);
    release();
  };
  try {
    if (socketDir) await makeSocketDir(socketDir, options);
    const env = { ...baseEnv(fn), FN_FORMAT: fn.format, ...(stdio ? {} : { FN_LISTENER: LISTENER }) };
    const name = containerName('hot', suffix);
    id = await podman.createContainer(
      buildContainerSpec({
        name,
        image: fn.image,
        env: toEnvList(env),
        memoryMb: fn.memory,
        labels: { [LABEL_APP]: labelValue(fn.appName), [LABEL_ROUTE]: labelValue(fn.path), [LABEL_POOL]: poolId },
        mounts: socketDir ? [{ source: socketDir, target: CONTAINER_SOCKET_DIR }] : [],
        stdin: stdio ? 'open' : 'none',
        options,
      }),
    );
    att = await attachContainer(podman, id, { timeoutMs: options.apiTimeoutMs });
    const exited = att.closed;
    // Output is consumed from the start so a chatty function never stalls on a full pipe.
    att.stderr.resume();
    if (!stdio) att.stdout.resume();
    await podman.start(id);

    let transport;
    if (socketDir) {
      const sock = path.join(socketDir, 'lsnr.sock');
      const outcome = await waitForSocket(sock, options.hotStartTimeoutMs, exited);
      if (outcome === 'timeout') {
        throw new HotStartError(`Container failed to initialize: no socket at FN_LISTENER within ${options.hotStartTimeoutMs} ms`);
      }
      if (outcome === 'exited') {
        // the attach stream also ends when the Podman service dies: then it is 503, not the function
        await podman.ping();
        const code = (await settledExitCode(podman, id, 1000)) ?? 'unknown';
        throw new HotStartError(`Container failed to initialize: function exited with code ${code} before opening its socket`);
      }
      transport = new SocketTransport(sock, options.maxResponseBytes);
    } else {
      transport = new StdioTransport(att.stdin, att.stdout, options.maxResponseBytes);
    }
    const attached = att;
    return new HotContainer({
      id,
      name,
      podman,
      format: fn.format,
      transport,
      transportKind: stdio ? 'stdio' : 'socket',
      logStreams: stdio ? [attached.stderr] : [attached.stderr, attached.stdout],
      exited,
      socketDir,
      maxLogBytes: options.maxLogBytes,
      maxResponseBytes: options.maxResponseBytes,
      detach: () => attached.destroy(),
      onClosed: release,
    });
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/** owner of each Podman API socket, looked up once per socket */
const socketOwners = new Map<string, Promise<{ uid: number; gid: number }>>();

/**
 * The container's root must be able to create the socket with all capabilities dropped, so its dir
 * belongs to the uid that container root maps to: root for rootful Podman, the service user for
 * rootless. That user owns the Podman API socket, which is how we find it.
 */
async function makeSocketDir(dir: string, options: RunnerOptions): Promise<void> {
  if (Buffer.byteLength(path.join(dir, 'lsnr.sock')) > 107) throw new Error(`socket path too long under ${options.socketDir}`);
  await mkdir(path.dirname(dir), { recursive: true, mode: 0o711 });
  await mkdir(dir, { mode: 0o700 });
  let owner$ = socketOwners.get(options.socketPath);
  if (!owner$) {
    owner$ = stat(options.socketPath).then((s) => ({ uid: s.uid, gid: s.gid }), () => ({ uid: 0, gid: 0 }));
    socketOwners.set(options.socketPath, owner$);
  }
  const owner = await owner$;
  try {
    if (owner.uid !== process.getuid?.()) await chown(dir, owner.uid, owner.gid);
  } catch {
    await chmod(dir, 0o777); // cannot chown (gateway not root): fall back to an open dir
  }
}
