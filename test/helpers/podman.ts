// Which Podman socket the suites talk to, and small helpers to build calls. Order: PODFN_CONTAINER_HOST,
// else the rootless socket of user `podfn` when it exists, else the rootful socket. Suites fail loudly
// when Podman does not answer (no silent skips).
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { Podman } from '../../src/runner/podman.ts';
import { defaultRunnerOptions, socketPathFromHost, type RunnerOptions } from '../../src/runner/options.ts';
import type { CallRequest, FunctionSpec } from '../../src/runner/types.ts';

export const ROOTFUL_SOCKET = '/run/podman/podman.sock';

function uidOf(user: string): number | undefined {
  try {
    const line = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`${user}:`));
    const uid = line?.split(':')[2];
    return uid === undefined ? undefined : Number(uid);
  } catch {
    return undefined;
  }
}

export function testSocketPath(): string {
  const host = process.env.PODFN_CONTAINER_HOST;
  if (host) return socketPathFromHost(host);
  const uid = uidOf('podfn');
  if (uid !== undefined) {
    const rootless = `/run/user/${uid}/podman/podman.sock`;
    if (existsSync(rootless)) return rootless;
  }
  return ROOTFUL_SOCKET;
}

/** Pings the chosen socket; throws with a clear message when it is down. */
export async function requirePodman(socketPath = testSocketPath()): Promise<Podman> {
  const podman = new Podman(socketPath);
  try {
    await podman.ping();
  } catch (err) {
    throw new Error(`Podman API not reachable at ${socketPath} (${(err as Error).message}); start it (npm run setup) or set PODFN_CONTAINER_HOST`, {
      cause: err,
    });
  }
  return podman;
}

export function image(name: string): string {
  return `localhost/podfn-test/${name}:latest`;
}

/** A node id unique per suite, so suites never remove each other's containers. */
export function testNodeId(prefix = 'test'): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export function testOptions(overrides: Partial<RunnerOptions> = {}): RunnerOptions {
  return defaultRunnerOptions({ socketPath: testSocketPath(), nodeId: testNodeId(), ...overrides });
}

export function fnSpec(overrides: Partial<FunctionSpec> = {}): FunctionSpec {
  return {
    appName: 'testapp',
    path: '/hello',
    image: image('echo'),
    memory: 128,
    format: 'default',
    timeout: 30,
    idleTimeout: 30,
    maxConcurrency: 0,
    config: {},
    ...overrides,
  };
}

export interface CallOverrides extends Partial<Omit<CallRequest, 'fn' | 'body'>> {
  body?: Buffer | string;
  timeoutMs?: number;
}

export function makeCall(fn: FunctionSpec, o: CallOverrides = {}): CallRequest {
  const { body, timeoutMs, ...rest } = o;
  return {
    id: `call-${randomBytes(6).toString('hex')}`,
    fn,
    method: 'POST',
    url: `http://localhost:8080/r/${fn.appName}${fn.path}`,
    headers: {},
    params: {},
    deadline: Date.now() + (timeoutMs ?? fn.timeout * 1000),
    ...rest,
    body: typeof body === 'string' ? Buffer.from(body) : (body ?? Buffer.alloc(0)),
  };
}

let readyPromise: Promise<Podman> | undefined;

/**
 * Memoised requirePodman for suites: every test awaits it, so an unreachable Podman fails each test
 * (uvu reports a throwing `before` hook as a pass, so hooks are not used for this).
 */
export function podmanReady(): Promise<Podman> {
  if (!readyPromise) {
    readyPromise = requirePodman();
    readyPromise.catch(() => undefined); // reported by every awaiting test, not as unhandled
  }
  return readyPromise;
}

/** Containers of one node id (any state). */
export async function containersOf(podman: Podman, nodeId: string): Promise<string[]> {
  return (await podman.listManaged(nodeId)).map((c) => c.id);
}
