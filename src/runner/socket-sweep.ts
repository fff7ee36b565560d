// Socket dirs outlive a gateway that crashed: its containers are removed as strays at the next start,
// but their host dirs under socketDir stay. A dir is named after its container (podfn-hot-<dir>), so
// one whose container no longer exists is garbage. Young dirs are left alone: another gateway on the
// same host may be between mkdir and create.
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ContainerRuntime } from './runtime.ts';
import { removeSocketDir } from './socket-dir.ts';

export async function sweepSocketDirs(runtime: ContainerRuntime, socketDir: string, minAgeMs = 60_000): Promise<number> {
  let entries: string[];
  try {
    entries = await readdir(socketDir);
  } catch {
    return 0; // no dir yet
  }
  const names = new Set((await runtime.listManaged()).map((c) => c.name));
  let removed = 0;
  for (const entry of entries) {
    if (!/^[0-9a-f]{16}$/.test(entry) || names.has(`podfn-hot-${entry}`)) continue;
    const dir = path.join(socketDir, entry);
    try {
      if (Date.now() - (await stat(dir)).mtimeMs < minAgeMs) continue;
      await removeSocketDir(dir); // its container is gone; entries are unlinked, never followed
      removed++;
    } catch {
      // vanished meanwhile
    }
  }
  return removed;
}
