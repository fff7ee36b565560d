// The gateway gives root up: started as root with PODFN_RUN_AS (npm start sets podfn), it prepares
// its data and socket folders for that user, switches to it, and still runs hot and cold calls on
// the rootless Podman; the token and database it writes belong to that user. Without access to the
// configured Podman socket it refuses to start, saying how to grant it.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { startServer, type TestServer } from '../helpers/server.ts';
import { client } from '../helpers/http.ts';
import { image, requirePodman, ROOTFUL_SOCKET, testSocketPath } from '../helpers/podman.ts';
import { spawnSync } from 'node:child_process';

const test = suite('gateway runs as an unprivileged user');
const APP = `runas${Date.now().toString(36)}`;
let srv: TestServer | undefined;
const socketDir = `/run/podfn/t-${randomBytes(3).toString('hex')}/sockets`;

function uidOf(user: string): number | undefined {
  const line = fs
    .readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${user}:`));
  return line ? Number(line.split(':')[2]) : undefined;
}

/** real, effective, saved and file-system uids of a process */
function uids(pid: number): number[] {
  const line = fs
    .readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Uid:'))!;
  return line.split(/\s+/).slice(1, 5).map(Number);
}

const rootlessSocket = testSocketPath();
const podfnUid = uidOf('podfn');
const runnable = process.getuid!() === 0 && podfnUid !== undefined && rootlessSocket !== ROOTFUL_SOCKET;
const rootfulClosed = fs.existsSync(ROOTFUL_SOCKET) && (fs.statSync(ROOTFUL_SOCKET).mode & 0o060) === 0;
// what this host cannot show is reported by uvu as skipped, never as passed
const needsRunAs = runnable ? test : test.skip.bind(test);
const needsClosedRootful = runnable && rootfulClosed ? test : test.skip.bind(test);

test.after(async () => {
  await srv?.stop();
  fs.rmSync(socketDir.replace(/\/sockets$/, ''), { recursive: true, force: true });
});

needsRunAs('as root with PODFN_RUN_AS=podfn: every uid is podfn, calls run, its files are its own (needs root, user podfn, its rootless socket)', async () => {
  await requirePodman(rootlessSocket);
  srv = await startServer({
    env: {
      PODFN_RUN_AS: 'podfn',
      PODFN_CONTAINER_HOST: `unix://${rootlessSocket}`,
      PODFN_SOCKET_DIR: socketDir,
      PODFN_ADMIN_TOKEN_FILE: 'auto',
      PODFN_NODE_ID: `runas-${process.pid}`,
    },
  });
  assert.equal(uids(srv.pid()!), [podfnUid, podfnUid, podfnUid, podfnUid]);
  const tokenFile = `${srv.dir}/admin-token`;
  assert.is(fs.statSync(tokenFile).uid, podfnUid, 'token file written as podfn');
  assert.is(fs.statSync(`${srv.dir}/podfn.db`).uid, podfnUid, 'database written as podfn');
  assert.is(fs.statSync(socketDir).uid, podfnUid, 'socket folder handed to podfn');
  const token = fs.readFileSync(tokenFile, 'utf8').trim().split('\n')[0]!;
  const api = client(srv.url);
  const auth = { headers: { authorization: `Bearer ${token}` } };
  assert.is((await api.post('/v1/apps', { app: { name: APP } }, auth)).status, 200);
  for (const [path, format] of [
    ['/hot', 'http'],
    ['/cold', 'default'],
  ] as const) {
    const res = await api.post(`/v1/apps/${APP}/routes`, { route: { path, image: image('echo'), format } }, auth);
    assert.is(res.status, 200, res.text);
    const call = await api.post(`/r/${APP}${path}`, `hello ${path}`);
    assert.is(call.status, 200, `${path}: ${call.text}`);
    assert.is(call.text, `hello ${path}`);
  }
});

needsClosedRootful(
  'as root with PODFN_RUN_AS=podfn but a rootful socket it may not use: exit 2 naming the grant (needs a rootful socket granted to no group)',
  () => {
    const dir = fs.mkdtempSync('/tmp/podfn-runas-');
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: new URL('../../', import.meta.url).pathname,
      env: {
        PATH: process.env.PATH,
        PODFN_RUN_AS: 'podfn',
        PODFN_CONTAINER_HOST: `unix://${ROOTFUL_SOCKET}`,
        PODFN_DB_URL: `file:${dir}/podfn.db`,
        PODFN_SOCKET_DIR: socketDir,
        PORT: '0',
      },
      encoding: 'utf8',
      timeout: 60_000,
    });
    fs.rmSync(dir, { recursive: true, force: true });
    assert.is(r.status, 2, r.stderr);
    assert.match(r.stderr, /cannot use the container API socket \/run\/podman\/podman.sock/);
    assert.match(r.stderr, /--grant podfn/);
  },
);

test.run();
