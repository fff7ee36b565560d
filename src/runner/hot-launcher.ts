// Starts one hot container for a pool: memory admission (held for the container's life), image
// transport lookup, a private socket dir bind-mounted at /tmp/iofs, create + attach + start, then
// readiness: the socket file appears (socket transport) within hotStartTimeoutMs, or the container
// is up (seed stdio transport). Any failure removes what was made and releases the memory.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { baseEnv, toEnvList } from './call-env.ts';
import { buildContainerSpec, containerName, labelValue } from './container-spec.ts';
import { PodmanApiError } from './errors.ts';
import { HotContainer, settledExitCode } from './hot-container.ts';
import type { MemoryAdmission } from './memory.ts';
import type { RunnerOptions } from './options.ts';
import { Removals } from './removals.ts';
import { LABEL_APP, LABEL_POOL, LABEL_ROUTE, type Attachment, type ContainerRuntime } from './runtime.ts';
import { ListenerRefused, LISTENER_NAME, openListener, prepareSocketDir, removeSocketDir, type RefusalCause, type VerifiedListener } from './socket-dir.ts';
import { SocketTransport } from './socket-transport.ts';
import { waitForSocket } from './socket-wait.ts';
import { StdioTransport } from './stdio-transport.ts';
import type { FunctionSpec } from './types.ts';
import { CONTAINER_SECRETS_DIR, removeSecretFiles, writeSecretFiles } from './secret-files.ts';

export const CONTAINER_SOCKET_DIR = '/tmp/iofs';
export const LISTENER = `unix:${CONTAINER_SOCKET_DIR}/${LISTENER_NAME}`;

export interface LaunchDeps {
  /** the container runtime (named for the default, Podman; any ContainerRuntime) */
  podman: ContainerRuntime;
  options: RunnerOptions;
  memory: MemoryAdmission;
  /** shared with the pools and the Runner; absent: a queue of this launch's own */
  removals?: Removals;
  /** told when a function's listener is refused (a symlink, not a socket, not its own): a hostile function */
  onListenerRefused?: (cause: RefusalCause, detail: { app: string; path: string; image: string; message: string }) => void;
}

/** The container could not become ready: 502, the platform's side of the contract (retryable). */
export class HotStartError extends Error {
  override readonly name = 'HotStartError';
}

export async function launchHotContainer(deps: LaunchDeps, fn: FunctionSpec, poolId: string, waitUntil: number): Promise<HotContainer> {
  const { podman, options } = deps;
  const removals = deps.removals ?? new Removals(podman);
  if (fn.format !== 'http' && fn.format !== 'json') throw new Error(`format ${fn.format} is not hot`);
  const image = await podman.inspectImage(fn.image);
  if (!image) throw new PodmanApiError(`no such image ${fn.image}`, 404);
  const release = await deps.memory.acquireContainer(fn.memory, options, {
    waitMs: Math.max(0, Math.min(options.memoryWaitMs, waitUntil - Date.now())),
    owner: poolId, // its own pool's idle containers are not evicted for it
  });

  const suffix = randomBytes(8).toString('hex');
  const stdio = image.transport === 'stdio';
  const socketDir = stdio ? undefined : path.join(options.socketDir, suffix);
  let id: string | undefined;
  let att: Attachment | undefined;
  let listener: VerifiedListener | undefined;
  let secretsDir: string | undefined;
  const cleanup = async () => {
    att?.destroy();
    listener?.close();
    // the folder goes only once the container is gone: while it may run, it could still plant links
    // (and the secret files stay until then: the container may still read them)
    const dirGone = async () => {
      if (socketDir) await removeSocketDir(socketDir);
      if (secretsDir) await removeSecretFiles(secretsDir);
    };
    if (id) await removals.removeOrDefer(id, dirGone);
    else await dirGone();
    release();
  };
  try {
    const policy = socketDir ? await podman.socketDirPolicy() : undefined;
    if (socketDir && policy) await prepareSocketDir(socketDir, policy);
    const env = { ...baseEnv(fn), FN_FORMAT: fn.format, ...(stdio ? {} : { FN_LISTENER: LISTENER }) };
    const name = containerName('hot', suffix);
    if (fn.secrets?.length) secretsDir = await writeSecretFiles(options.secretsDir, await podman.socketDirPolicy(), name, fn.secrets);
    const mounts = [
      ...(socketDir ? [{ source: socketDir, target: CONTAINER_SOCKET_DIR }] : []),
      ...(secretsDir ? [{ source: secretsDir, target: CONTAINER_SECRETS_DIR, readOnly: true }] : []),
    ];
    id = await podman.createContainer(
      buildContainerSpec({
        name,
        image: fn.image,
        env: toEnvList(env),
        memoryMb: fn.memory,
        labels: { [LABEL_APP]: labelValue(fn.appName), [LABEL_ROUTE]: labelValue(fn.path), [LABEL_POOL]: poolId },
        mounts,
        stdin: stdio ? 'open' : 'none',
        options,
      }),
    );
    att = await podman.attach(id, { timeoutMs: options.apiTimeoutMs });
    const exited = att.closed;
    // Output is consumed from the start so a chatty function never stalls on a full pipe.
    att.stderr.resume();
    if (!stdio) att.stdout.resume();
    await podman.start(id);

    let transport;
    if (socketDir && policy) {
      const sock = path.join(socketDir, LISTENER_NAME);
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
      try {
        listener = await openListener(socketDir, policy);
      } catch (err) {
        if (!(err instanceof ListenerRefused)) throw err;
        deps.onListenerRefused?.(err.reason, { app: fn.appName, path: fn.path, image: fn.image, message: err.message });
        throw new HotStartError(`Container failed to initialize: ${err.message}`);
      }
      const verified = listener;
      transport = new SocketTransport(verified.connectPath, options.maxResponseBytes, () => verified.close());
    } else {
      transport = new StdioTransport(att.stdin, att.stdout, options.maxResponseBytes);
    }
    const attached = att;
    return new HotContainer({
      id,
      name,
      runtime: podman,
      removals,
      format: fn.format,
      transport,
      transportKind: stdio ? 'stdio' : 'socket',
      logStreams: stdio ? [attached.stderr] : [attached.stderr, attached.stdout],
      exited,
      socketDir,
      secretsDir,
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
