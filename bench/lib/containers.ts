// The benchmark's own Podman calls through dockerode: find the gateway's hot container and its socket
// (for the direct and proxy baselines), read that container's memory, run the bare cold baseline
// (create + start + wait + remove with the gateway's exact hardened create options, no attach, stdin
// empty), and remove whatever a node id left behind.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import Docker from 'dockerode';
import { buildContainerSpec, containerName } from '../../src/runner/container-spec.ts';
import type { RunnerOptions } from '../../src/runner/options.ts';
import { readFileSync } from 'node:fs';
import { processTree, rssMb } from './procs.ts';

export interface HotContainerInfo {
  id: string;
  name: string;
  /** host path of the function's lsnr.sock */
  socketPath: string;
  /** host pid of the container's init */
  pid: number;
}

/** The running hot container of a route that the gateway (node id) made. */
export async function findHotContainer(docker: Docker, nodeId: string, route: string): Promise<HotContainerInfo> {
  const list = await docker.listContainers({
    filters: { label: [`io.podfn.node=${nodeId}`, `io.podfn.route=${route}`, 'io.podfn.pool'], status: ['running'] },
  });
  const c = list[0];
  if (!c) throw new Error(`no running hot container for ${route} (node ${nodeId})`);
  const info = await docker.getContainer(c.Id).inspect();
  const mount = info.Mounts.find((m) => m.Destination === '/tmp/iofs');
  if (!mount) throw new Error(`hot container ${c.Id} has no /tmp/iofs mount`);
  return { id: c.Id, name: info.Name.replace(/^\//, ''), socketPath: `${mount.Source}/lsnr.sock`, pid: info.State.Pid };
}

export interface ContainerMemory {
  /** false when the container has no memory cgroup of its own (rootless on cgroup v1): stats are then the user's */
  own_cgroup: boolean;
  /** cgroup memory usage as Podman's stats report it (includes page cache), MiB */
  cgroup_usage_mb: number | null;
  /** usage minus inactive file cache (what `podman stats` shows on cgroup v1), MiB */
  cgroup_working_set_mb: number | null;
  /** sum of VmRSS of the container's processes (init + function), MiB */
  processes_rss_mb: number | null;
}

interface StatsShape {
  memory_stats?: { usage?: number; stats?: Record<string, number> };
}

/** Whether the process sits in a memory cgroup named after the container (v1 memory line or v2 unified). */
function ownCgroup(pid: number, id: string): boolean {
  try {
    const lines = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n');
    const line = lines.find((l) => /^\d+:memory:/.test(l)) ?? lines.find((l) => l.startsWith('0::'));
    return line !== undefined && line.includes(id);
  } catch {
    return false;
  }
}

export async function containerMemory(docker: Docker, c: HotContainerInfo): Promise<ContainerMemory> {
  const own = c.pid > 0 && ownCgroup(c.pid, c.id);
  const cgroup = own ? await cgroupMemory(docker, c.id) : { usage: null, working: null };
  const rss =
    c.pid > 0
      ? processTree(c.pid)
          .map((pid) => rssMb(pid))
          .filter(Number.isFinite)
          .reduce((a, b) => a + b, 0)
      : 0;
  return {
    own_cgroup: own,
    cgroup_usage_mb: cgroup.usage,
    cgroup_working_set_mb: cgroup.working,
    processes_rss_mb: rss > 0 ? Math.round(rss * 10) / 10 : null,
  };
}

async function cgroupMemory(docker: Docker, id: string): Promise<{ usage: number | null; working: number | null }> {
  const mb = (b: number) => Math.round((b / 1048576) * 10) / 10;
  try {
    const s = (await docker.getContainer(id).stats({ stream: false })) as StatsShape;
    const u = s.memory_stats?.usage;
    if (typeof u !== 'number' || u <= 0) return { usage: null, working: null };
    const inactive = s.memory_stats?.stats?.total_inactive_file ?? s.memory_stats?.stats?.inactive_file ?? 0;
    return { usage: mb(u), working: mb(u - inactive) };
  } catch {
    return { usage: null, working: null };
  }
}

export interface BareColdTiming {
  total_ms: number;
  create_ms: number;
  start_ms: number;
  wait_ms: number;
  remove_ms: number;
}

/**
 * Podman's libpod wait with a 10 ms poll interval. Podman 4.3's Docker-compatible wait (dockerode's
 * container.wait()) answers hundreds of ms after the exit here; this shows how much of a cold call
 * that costs.
 */
function libpodWait(socketPath: string, id: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const path = `/v4.0.0/libpod/containers/${id}/wait?condition=exited&condition=stopped&interval=10ms`;
    const req = http.request({ socketPath, method: 'POST', path }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => (res.statusCode === 200 ? resolve(Number(body.trim())) : reject(new Error(`libpod wait: HTTP ${res.statusCode} ${body}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

export type WaitMode = 'compat' | 'libpod';

/**
 * One bare cold cycle of `image`: the gateway's create options for a cold call (same hardening,
 * memory, labels scheme under `nodeId`) but no stdin (the echo function reads EOF at once).
 * `wait`: dockerode's (Docker-compatible) wait, or libpod's with a short poll interval.
 */
export async function bareCold(docker: Docker, image: string, memoryMb: number, options: RunnerOptions, wait: WaitMode = 'compat'): Promise<BareColdTiming> {
  const spec = buildContainerSpec({
    name: containerName('benchbare', randomBytes(8).toString('hex')),
    image,
    env: ['APP_NAME=bench', 'ROUTE=/bare', 'FORMAT=default', `MEMORY_MB=${memoryMb}`],
    memoryMb,
    labels: { 'io.podfn.app': 'bench', 'io.podfn.route': '/bare' },
    stdin: 'none',
    options,
  });
  const t0 = performance.now();
  const container = await docker.createContainer(spec);
  const t1 = performance.now();
  try {
    await container.start();
    const t2 = performance.now();
    const code = wait === 'compat' ? ((await container.wait()) as { StatusCode?: number }).StatusCode : await libpodWait(options.socketPath, container.id);
    const t3 = performance.now();
    if (code !== 0) throw new Error(`bare cold container exited with ${code}`);
    await container.remove({ force: true, v: true });
    const t4 = performance.now();
    const r = (ms: number) => Math.round(ms * 10) / 10;
    return { total_ms: r(t4 - t0), create_ms: r(t1 - t0), start_ms: r(t2 - t1), wait_ms: r(t3 - t2), remove_ms: r(t4 - t3) };
  } catch (err) {
    await container.remove({ force: true, v: true }).catch(() => undefined);
    throw err;
  }
}

/** Removes every container labelled with this node id (the benchmark's leftovers); returns how many. */
export async function removeNode(docker: Docker, nodeId: string): Promise<number> {
  const list = await docker.listContainers({ all: true, filters: { label: [`io.podfn.node=${nodeId}`] } });
  await Promise.allSettled(list.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true })));
  return list.length;
}
