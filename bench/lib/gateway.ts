// The podfn gateway under test as a child process: a temp embedded libSQL database, a free port on
// 127.0.0.1, its own node id (so its start-up stray sweep and our cleanup never touch anyone else's
// containers), the chosen Podman socket; plus the admin calls that create the benchmark's routes.
import path from 'node:path';
import { startTs, freePort, type Child } from './procs.ts';

export interface Gateway {
  child: Child;
  port: number;
  nodeId: string;
  startMs: number;
}

export async function startGateway(o: {
  root: string;
  tmp: string;
  nodeId: string;
  socketPath: string;
  nodeArgs?: string[];
  entry?: string;
  env?: Record<string, string>;
}): Promise<Gateway> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PODFN_DB_URL: `file:${path.join(o.tmp, 'podfn.db')}`,
    PORT: String(port),
    HOST: '127.0.0.1',
    PODFN_NODE_ID: o.nodeId,
    PODFN_CONTAINER_HOST: `unix://${o.socketPath}`,
    ...o.env,
  };
  const t0 = performance.now();
  const { child } = await startTs(o.entry ?? 'src/main.ts', {
    cwd: o.root,
    env,
    nodeArgs: o.nodeArgs,
    ready: /podfn listening/,
    timeoutMs: 30_000,
  });
  return { child, port, nodeId: o.nodeId, startMs: Math.round(performance.now() - t0) };
}

export interface RouteDef {
  path: string;
  image: string;
  format: 'default' | 'http' | 'json';
  max_concurrency?: number;
  memory?: number;
  timeout?: number;
  idle_timeout?: number;
  config?: Record<string, string>;
}

export async function createRoute(port: number, app: string, route: RouteDef): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${port}/v1/apps/${app}/routes`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ route }),
  });
  if (res.status !== 200 && res.status !== 201) throw new Error(`creating route ${route.path}: HTTP ${res.status} ${await res.text()}`);
}
