// A private rootful Podman API service on its own socket, for suites that stop, kill and restart the
// container runtime under a running gateway (test/gateway/podman-outage, test/faults). It shares the
// rootful image store with /run/podman/podman.sock but not its process, so the shared services (and
// the other suites using them) are never disturbed. Containers made through it survive a SIGKILL of
// the service (conmon runs on), as they would in production.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Podman } from '../../src/runner/podman.ts';

import { waitFor } from './wait.ts';

export { waitFor };

export class PrivatePodmanService {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'podfn-podman-svc-'));
  readonly socketPath = path.join(this.dir, 'podman.sock');
  readonly url = `unix://${this.socketPath}`;
  private child: ChildProcess | undefined;

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts the service and waits until it answers a ping. */
  async start(): Promise<void> {
    if (this.running) return;
    fs.rmSync(this.socketPath, { force: true });
    const child = spawn('podman', ['system', 'service', '--time=0', this.url], { stdio: 'ignore' });
    this.child = child;
    const podman = new Podman(this.socketPath, 10_000);
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`podman system service exited with ${child.exitCode}`);
        return (
          fs.existsSync(this.socketPath) &&
          podman.ping().then(
            () => true,
            () => false,
          )
        );
      },
      60_000,
      'the private Podman service to answer',
    );
  }

  /** SIGKILL, as a crash or the OOM killer would: no clean-up of its own. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    fs.rmSync(this.socketPath, { force: true });
  }

  /** A client on this service's socket (only usable while it runs). */
  client(apiTimeoutMs = 30_000): Podman {
    return new Podman(this.socketPath, apiTimeoutMs);
  }

  async dispose(): Promise<void> {
    await this.kill();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
