// Started as root (the quick start's `npm start`), the gateway gives root up before it serves: it
// prepares what the unprivileged user needs (the data folder of an embedded database, the hot
// containers' socket folder and secrets folder), checks that user can reach the container API socket, then switches
// to it for good. Anything that still escapes a function is then bounded by that user, not root.
// May import node built-ins and the Config type only.
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from './config.ts';

export class PrivilegeError extends Error {}

interface Account {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

function account(name: string): Account {
  const line = fs
    .readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}:`));
  const f = line?.split(':');
  if (!f || f.length < 7) throw new PrivilegeError(`PODFN_RUN_AS=${name}: no such user (run npm run setup as root, or set PODFN_RUN_AS to an existing user)`);
  return { name, uid: Number(f[2]), gid: Number(f[3]), home: f[5] ?? '/' };
}

/** The account's primary group and the groups /etc/group lists it in (e.g. one granting a Podman socket). */
function groupsOf(who: Account): number[] {
  const gids = new Set([who.gid]);
  for (const line of fs.readFileSync('/etc/group', 'utf8').split('\n')) {
    const f = line.split(':');
    if (f.length >= 4 && f[3]!.split(',').includes(who.name)) gids.add(Number(f[2]));
  }
  return [...gids];
}

/** The folder of an embedded database (file: URL), or undefined for a server. */
export function dataFolder(dbUrl: string): string | undefined {
  if (!dbUrl.startsWith('file:')) return undefined;
  const file = dbUrl.slice('file:'.length).replace(/\?.*$/, '');
  return file ? path.dirname(path.resolve(file)) : undefined;
}

/** Makes `dir` (and missing parents) and gives the leaf to the account; never follows a link. */
function giveFolder(dir: string, who: Account, mode: number): void {
  const existed = fs.existsSync(dir);
  fs.mkdirSync(dir, { recursive: true, mode });
  const st = fs.lstatSync(dir);
  if (!st.isDirectory()) throw new PrivilegeError(`${dir} is not a folder`);
  // a folder shared with others (say, a database straight in /tmp or the cwd) is not ours to take
  if (existed && (st.mode & 0o002) !== 0) return;
  fs.lchownSync(dir, who.uid, who.gid);
}

/** Hands podfn's own files in the data folder to the account (they may come from a root run). */
function giveFiles(dir: string, dbFile: string, who: Account): void {
  const base = path.basename(dbFile);
  for (const name of fs.readdirSync(dir)) {
    if (name === 'admin-token' || name === 'secrets-key' || name === base || name.startsWith(`${base}-`)) fs.lchownSync(path.join(dir, name), who.uid, who.gid);
  }
}

/**
 * Switches a root process to config.PODFN_RUN_AS. No-op when not root or not asked to. Returns the
 * user switched to, for the start-up log.
 */
export function dropPrivileges(config: Config, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (process.getuid?.() !== 0 || !config.PODFN_RUN_AS) return undefined;
  const who = account(config.PODFN_RUN_AS);
  if (who.uid === 0) return undefined;
  const data = dataFolder(config.PODFN_DB_URL);
  if (data) {
    giveFolder(data, who, 0o700);
    giveFiles(data, config.PODFN_DB_URL.slice('file:'.length).replace(/\?.*$/, ''), who);
  }
  fs.mkdirSync(path.dirname(config.PODFN_SOCKET_DIR), { recursive: true, mode: 0o711 });
  giveFolder(config.PODFN_SOCKET_DIR, who, 0o711);
  // secret files of function containers: by default under the socket folder; elsewhere made here too
  if (config.PODFN_SECRETS_DIR) {
    fs.mkdirSync(path.dirname(config.PODFN_SECRETS_DIR), { recursive: true, mode: 0o711 });
    giveFolder(config.PODFN_SECRETS_DIR, who, 0o711);
  }

  process.setgroups!(groupsOf(who));
  process.setgid!(who.gid);
  process.setuid!(who.uid);
  env.HOME = who.home;
  env.USER = env.LOGNAME = who.name;
  const runtime = `/run/user/${who.uid}`;
  if (fs.existsSync(runtime)) env.XDG_RUNTIME_DIR = runtime;
  // what it reads and writes from now on must be reachable without root
  const code = path.dirname(path.resolve(process.argv[1] ?? '.'));
  for (const [dir, what] of [[code, 'the gateway code'], ...(data ? [[data, 'the data folder']] : [])] as const) {
    try {
      fs.accessSync(dir, fs.constants.R_OK | fs.constants.X_OK);
    } catch {
      throw new PrivilegeError(
        `user ${who.name} cannot reach ${what} at ${dir}: put podfn where that user can read it (for example not under /root, which is 0700), or set PODFN_RUN_AS= to keep root (not recommended)`,
      );
    }
  }
  try {
    fs.accessSync(config.containerSocket, fs.constants.R_OK | fs.constants.W_OK);
  } catch {
    throw new PrivilegeError(
      `user ${who.name} cannot use the container API socket ${config.containerSocket}. For rootful Podman, grant it ` +
        `(bash scripts/setup-podman.sh --rootful --grant ${who.name}: a group that may use the socket, i.e. root on this host) ` +
        'or keep root with PODFN_RUN_AS= (not recommended)',
    );
  }
  return who.name;
}
