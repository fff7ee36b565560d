// Hot readiness: wait until the function's listener entry appears (it binds a temp name and renames
// it, so presence means it is listening), the container exits, or the start-up timeout passes.
// Presence only, by lstat: what the entry is (a socket of the container's own, or a hostile link) is
// for socket-dir.ts openListener to decide, without following it.
// fs.watch gives the fast path; a short poll covers filesystems where inotify events do not arrive.
import { watch, type FSWatcher } from 'node:fs';
import { lstat } from 'node:fs/promises';
import path from 'node:path';

export type SocketWait = 'ready' | 'timeout' | 'exited';

async function isPresent(p: string): Promise<boolean> {
  try {
    await lstat(p);
    return true;
  } catch {
    return false;
  }
}

export function waitForSocket(socketPath: string, timeoutMs: number, exited: Promise<void>, pollMs = 25): Promise<SocketWait> {
  return new Promise<SocketWait>((resolve) => {
    let done = false;
    let watcher: FSWatcher | undefined;
    const finish = (outcome: SocketWait) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearInterval(poll);
      watcher?.close();
      resolve(outcome);
    };
    const check = () => {
      void isPresent(socketPath).then((ok) => ok && finish('ready'));
    };
    const timer = setTimeout(() => {
      // one last look: the socket may have appeared between polls
      void isPresent(socketPath).then((ok) => finish(ok ? 'ready' : 'timeout'));
    }, timeoutMs);
    const poll = setInterval(check, pollMs);
    try {
      watcher = watch(path.dirname(socketPath), () => check());
      watcher.on('error', () => undefined);
    } catch {
      // no inotify: polling alone
    }
    void exited.then(() => isPresent(socketPath).then((ok) => finish(ok ? 'ready' : 'exited')));
    check();
  });
}
