// A function container's secrets as files: a folder per container on the host, under
// options.secretsDir (by default .secrets in the hot sockets' folder, a sized tmpfs: values never
// touch a disk), bind-mounted read-only at /run/secrets. Never environment, labels or the command:
// `podman inspect` shows only the folder's path.
//
//   <secretsDir>/                   0711: traversable, not listable
//     <container root's host uid>/  0700, owned by that uid (the rootless Podman user; 0 for rootful),
//                                   so no other host user reaches the files; one per runtime, since a
//                                   rootless and a rootful gateway may share secretsDir
//       podfn-<kind>-<id>/          0555, the container's own, named after it (the sweep's key)
//         <name>                    0444, the value's bytes
//
// Inside the container the folder is a read-only mount (it cannot change a mode or plant a file);
// every process of the function may read the files, as with Docker and Kubernetes secrets. The folder
// goes once the container is removed (Removals' follow-up, so a removal deferred while Podman is away
// keeps it until then), and the start-up sweep removes folders whose container is gone.
import { chmod, chown, lstat, mkdir, open, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { SecretFilesError } from './errors.ts';
import type { ContainerRuntime } from './runtime.ts';
import type { SocketDirPolicy } from './socket-dir.ts';
import type { SecretFile } from './types.ts';

export const CONTAINER_SECRETS_DIR = '/run/secrets';
/** what the API lets a secret be named (src/models/schemas/secret.ts), checked again before it becomes a file name */
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const CONTAINER_DIR = /^podfn-(cold|hot)-[0-9a-f]{16}$/;

type Owner = Pick<SocketDirPolicy, 'containerRootUid' | 'containerRootGid'>;

const roots = new Map<string, Promise<string>>();

/** <secretsDir>/<uid>, made and checked once per process (again after a failure). */
function runtimeRoot(secretsDir: string, owner: Owner): Promise<string> {
  const root = path.join(secretsDir, String(owner.containerRootUid));
  let p = roots.get(root);
  if (!p) {
    p = prepareRoot(secretsDir, root, owner);
    roots.set(root, p);
    p.catch(() => roots.delete(root));
  }
  return p;
}

async function prepareRoot(secretsDir: string, root: string, owner: Owner): Promise<string> {
  const me = process.getuid?.() ?? 0;
  await mkdir(secretsDir, { recursive: true, mode: 0o711 });
  const top = await lstat(secretsDir);
  if (!top.isDirectory()) throw new SecretFilesError(`${secretsDir} is not a folder`);
  // the runtime must traverse it to bind a folder inside; nobody needs to list it
  if (top.uid === me && (top.mode & 0o777) !== 0o711) await chmod(secretsDir, 0o711);
  // made by root inside a folder the gateway's user owns (the socket folder): that user's, so a
  // gateway running as that user can add its runtime's folder later
  const parent = await lstat(path.dirname(secretsDir));
  if (me === 0 && top.uid === 0 && parent.uid !== 0) await chown(secretsDir, parent.uid, parent.gid);
  await mkdir(root, { mode: 0o700 }).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'EEXIST') throw e;
  });
  const st = await lstat(root);
  if (!st.isDirectory()) throw new SecretFilesError(`${root} is not a folder`);
  // as root: the container root's host uid owns it (rootless runc must enter it); else ourselves
  const want = me === 0 ? owner.containerRootUid : me;
  if (st.uid !== want) {
    if (me !== 0) throw new SecretFilesError(`${root} belongs to uid ${st.uid}, not to this gateway (uid ${me}): remove it`);
    await chown(root, want, me === 0 ? owner.containerRootGid : st.gid);
  }
  if ((st.mode & 0o777) !== 0o700) await chmod(root, 0o700);
  return root;
}

/**
 * Writes the container's secret folder and returns its host path (to bind at /run/secrets). A value
 * the gateway cannot provide, or a full tmpfs, throws SecretFilesError (naming the secret, never a
 * value) with nothing left behind.
 */
export async function writeSecretFiles(secretsDir: string, owner: Owner, containerName: string, files: readonly SecretFile[]): Promise<string> {
  if (!CONTAINER_DIR.test(containerName)) throw new SecretFilesError(`bad container name ${containerName}`);
  const dir = path.join(await runtimeRoot(secretsDir, owner), containerName);
  const asRoot = (process.getuid?.() ?? 0) === 0;
  await mkdir(dir, { mode: 0o700 });
  try {
    for (const f of files) {
      if (!SAFE_NAME.test(f.name)) throw new SecretFilesError(`bad secret name ${JSON.stringify(f.name)}`);
      let value: Buffer;
      try {
        value = f.value();
      } catch (e) {
        throw new SecretFilesError((e as Error).message);
      }
      // wx: O_CREAT|O_EXCL, never through an existing entry
      const fh = await open(path.join(dir, f.name), 'wx', 0o400);
      try {
        await fh.writeFile(value);
        if (asRoot) await fh.chown(owner.containerRootUid, owner.containerRootGid);
        await fh.chmod(0o444);
      } finally {
        await fh.close();
      }
    }
    if (asRoot) await chown(dir, owner.containerRootUid, owner.containerRootGid);
    await chmod(dir, 0o555);
  } catch (e) {
    await removeSecretFiles(dir);
    if (e instanceof SecretFilesError) throw e;
    throw new SecretFilesError(`cannot write the secret files: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return dir;
}

/** Removes a container's secret folder (after the container is gone). Never throws. */
export async function removeSecretFiles(dir: string): Promise<void> {
  const st = await lstat(dir).catch(() => undefined);
  if (!st?.isDirectory()) return;
  await chmod(dir, 0o700).catch(() => undefined);
  await rm(dir, { recursive: true, force: true }).catch(() => undefined); // rm never follows links
}

/** Start-up: removes secret folders whose container no longer exists (a crashed gateway's), older than minAgeMs. */
export async function sweepSecretDirs(runtime: ContainerRuntime, secretsDir: string, owner: Owner, minAgeMs = 60_000): Promise<number> {
  const root = path.join(secretsDir, String(owner.containerRootUid));
  let entries: string[];
  try {
    entries = await readdir(root);
  } catch {
    return 0;
  }
  const names = new Set((await runtime.listManaged()).map((c) => c.name));
  let removed = 0;
  for (const entry of entries) {
    if (!CONTAINER_DIR.test(entry) || names.has(entry)) continue;
    const dir = path.join(root, entry);
    try {
      if (Date.now() - (await stat(dir)).mtimeMs < minAgeMs) continue;
      await removeSecretFiles(dir);
      removed++;
    } catch {
      // vanished meanwhile
    }
  }
  return removed;
}
