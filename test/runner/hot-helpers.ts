// Shared set-up for the real-Podman hot suites: a HotPools on the test socket with a node id of its
// own (so containers can be counted by label), and small polling helpers.
import { HotPools } from '../../src/runner/hot-pool.ts';
import { MemoryAdmission } from '../../src/runner/memory.ts';
import type { RunnerOptions } from '../../src/runner/options.ts';
import type { Podman } from '../../src/runner/podman.ts';
import type { CallResult } from '../../src/runner/types.ts';
import { podmanReady, testOptions } from '../helpers/podman.ts';

export interface HotEnv {
  podman: Podman;
  options: RunnerOptions;
  memory: MemoryAdmission;
  pools: HotPools;
  /** ids of this suite's containers (any state) */
  containers: () => Promise<string[]>;
}

export async function hotEnv(overrides: Partial<RunnerOptions> = {}): Promise<HotEnv> {
  const podman = await podmanReady();
  const options = testOptions(overrides);
  const memory = new MemoryAdmission(4096, options.memoryWaitMs);
  const pools = new HotPools({ podman, options, memory });
  return {
    podman,
    options,
    memory,
    pools,
    containers: async () => (await podman.listManaged(options.nodeId)).map((c) => c.id),
  };
}

export async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function header(r: CallResult, name: string): string | undefined {
  return r.headers.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1];
}

export function json<T = Record<string, unknown>>(r: CallResult): T {
  return JSON.parse(r.body.toString('utf8')) as T;
}
