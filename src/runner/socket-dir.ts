// The host side of a hot container's socket folder, which the container can write: function code is
// hostile, so nothing here may follow a path the container controls. A container could replace its
// listener by a symlink to any host socket (the Podman API, say); the gateway must only ever reach a
// socket the container itself bound in its own folder.
//
//   prepare  mkdir the folder so the container's root can bind in it, but (where the host allows)
//            owned by a uid the container is not, so it cannot change the folder's mode later
//   open     once the listener appears: lock the folder (read-only for the container), open the
//            entry with O_PATH|O_NOFOLLOW and check what the fd names (a socket, owned by a uid the
//            container maps to). Connections then go through /proc/self/fd/<fd>, i.e. to that very
//            inode, so nothing the container renames afterwards can redirect them.
//   remove   only after the container is gone; unlinks entries, never follows a link
import { closeSync, constants, fstatSync, openSync } from 'node:fs';
import { chmod, chown, lstat, mkdir, readFile, readdir, rmdir, stat, unlink } from 'node:fs/promises';
import path from 'node:path';

export const LISTENER_NAME = 'lsnr.sock';

/** Linux's O_PATH (not exported by node): an fd that names an inode without opening it for I/O. */
const O_PATH = 0o10000000;

export type RefusalCause = 'symlink' | 'not_socket' | 'foreign_owner';

/** The function's listener is not a socket it made: the call fails with 502 and the container goes. */
export class ListenerRefused extends Error {
  override readonly name = 'ListenerRefused';
  constructor(
    readonly reason: RefusalCause,
    detail: string,
  ) {
    super(`refused the function's listener: ${detail}`);
  }
}

/** A verified listener: connect to `connectPath` (the held inode); close() when the container goes. */
export interface VerifiedListener {
  connectPath: string;
  close(): void;
}

/** Which uids the container's processes have on the host, and who should own its folder. */
export interface SocketDirPolicy {
  /** host uid of the container's root (the Podman service's user) */
  containerRootUid: number;
  /** host gid of the container's root */
  containerRootGid: number;
  /** true when a socket owned by this host uid may be the container's own */
  ownsSocket(uid: number): boolean;
}

/**
 * The Podman API socket's owner is the user the containers' root maps to: root for rootful Podman,
 * the service user for rootless (whose other container uids come from /etc/subuid).
 */
export async function socketDirPolicy(podmanSocket: string, subuidFile = '/etc/subuid'): Promise<SocketDirPolicy> {
  const owner = await stat(podmanSocket).then(
    (s) => ({ uid: s.uid, gid: s.gid }),
    () => ({ uid: 0, gid: 0 }),
  );
  // rootful: container uids are host uids, so any owner can be the container's own
  if (owner.uid === 0) return { containerRootUid: 0, containerRootGid: owner.gid, ownsSocket: () => true };
  const ranges = await subordinateRanges(subuidFile, owner.uid);
  return {
    containerRootUid: owner.uid,
    containerRootGid: owner.gid,
    ownsSocket: (uid) => uid === owner.uid || ranges.some(([start, count]) => uid >= start && uid < start + count),
  };
}

/** The subordinate uid ranges of a user (by name or uid) in /etc/subuid. */
async function subordinateRanges(file: string, uid: number): Promise<Array<[number, number]>> {
  const [subuid, passwd] = await Promise.all([readFile(file, 'utf8').catch(() => ''), readFile('/etc/passwd', 'utf8').catch(() => '')]);
  const names = new Set([String(uid)]);
  for (const line of passwd.split('\n')) {
    const f = line.split(':');
    if (f[2] === String(uid) && f[0]) names.add(f[0]);
  }
  const ranges: Array<[number, number]> = [];
  for (const line of subuid.split('\n')) {
    const [who, start, count] = line.trim().split(':');
    if (who && names.has(who) && Number.isInteger(Number(start)) && Number.isInteger(Number(count))) ranges.push([Number(start), Number(count)]);
  }
  return ranges;
}

/** Creates a container's socket folder (parents 0711 so the runtime can traverse them). */
export async function prepareSocketDir(dir: string, policy: SocketDirPolicy): Promise<void> {
  if (Buffer.byteLength(path.join(dir, LISTENER_NAME)) > 107) throw new Error(`socket path too long under ${path.dirname(dir)}`);
  await mkdir(path.dirname(dir), { recursive: true, mode: 0o711 });
  await mkdir(dir, { mode: 0o700 });
  const me = process.getuid?.() ?? 0;
  if (me === 0) {
    // root: keep ownership away from the container's root (then it cannot chmod the folder back
    // after the lock) and let it in through the group
    await chown(dir, policy.containerRootUid === 0 ? 65534 : 0, policy.containerRootGid);
    await chmod(dir, 0o770);
  } else if (me !== policy.containerRootUid) {
    await chmod(dir, 0o777); // we own it, the container's root is someone else: open until the lock
  } // else the container's root is us (a rootless gateway as the runner user): it binds in the 0700 dir
}

/**
 * Verifies the listener the function created and pins it. Throws ListenerRefused for a symlink, a
 * non-socket or a socket no process of the container can own.
 */
export async function openListener(dir: string, policy: SocketDirPolicy): Promise<VerifiedListener> {
  // Lock first: where the folder is not the container's, nothing in it can change after this.
  await chmod(dir, 0o555).catch(() => undefined);
  const entry = path.join(dir, LISTENER_NAME);
  let fd: number;
  try {
    fd = openSync(entry, O_PATH | constants.O_NOFOLLOW); // libuv adds O_CLOEXEC
  } catch (err) {
    throw new ListenerRefused('not_socket', `${LISTENER_NAME} cannot be opened (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    const st = fstatSync(fd);
    if (st.isSymbolicLink()) throw new ListenerRefused('symlink', `${LISTENER_NAME} is a symbolic link`);
    if (!st.isSocket()) throw new ListenerRefused('not_socket', `${LISTENER_NAME} is not a socket (${kindOf(st)})`);
    if (!policy.ownsSocket(st.uid)) throw new ListenerRefused('foreign_owner', `${LISTENER_NAME} belongs to uid ${st.uid}, not to the function's container`);
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  let open = true;
  return {
    connectPath: `/proc/self/fd/${fd}`,
    close: () => {
      if (open) closeSync(fd);
      open = false;
    },
  };
}

function kindOf(st: { isFile(): boolean; isDirectory(): boolean; isFIFO(): boolean }): string {
  return st.isFile() ? 'a regular file' : st.isDirectory() ? 'a directory' : st.isFIFO() ? 'a FIFO' : 'a special file';
}

/**
 * Removes a socket folder whose container no longer runs (callers make sure of that). Entries are
 * unlinked, never followed; subfolders are descended by their own lstat type, to a small depth.
 */
export async function removeSocketDir(dir: string, depth = 0): Promise<void> {
  const st = await lstat(dir).catch(() => undefined);
  if (!st?.isDirectory()) return;
  await chmod(dir, 0o700).catch(() => undefined);
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (depth < 8) await removeSocketDir(p, depth + 1);
    } else await unlink(p).catch(() => undefined);
  }
  await rmdir(dir).catch(() => undefined);
}
