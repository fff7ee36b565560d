// The front-proxy examples in deploy/ (nginx, HAProxy, Caddy), each checked by its own syntax check:
// `nginx -t`, `haproxy -c`, `caddy validate --adapter caddyfile`; a broken copy of each must fail the
// same check (so a pass means something). The Function URL examples load a certificate: the test
// makes a throwaway self-signed one and points the copies at it. Then nginx, with the Function URL
// example, really runs in front of a podfn gateway: TLS ends at nginx, the wildcard and exact names
// reach the functions that claim them. The proxies are Debian packages that scripts/ensure-proxies.sh
// (npm test's pretest, as root) installs; a proxy missing here skips its checks, with the reason.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT, freePort, startServer, type TestServer } from '../helpers/server.ts';
import { client, expectOk } from '../helpers/http.ts';
import { image, requirePodman, testSocketPath } from '../helpers/podman.ts';

const test = suite('deploy: front-proxy examples (nginx, HAProxy, Caddy)');
const run = promisify(execFile);
const which = (bin: string) => ['/usr/sbin', '/usr/bin', '/usr/local/bin', '/usr/local/sbin'].map((d) => path.join(d, bin)).find((p) => fs.existsSync(p));
const NGINX = which('nginx');
const HAPROXY = which('haproxy');
const CADDY = which('caddy');
const OPENSSL = which('openssl');
let tmp: string;

async function sh(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run(cmd, args, { cwd: ROOT, env, timeout: 60_000 });
    return { code: 0, out: stdout + stderr };
  } catch (e) {
    const err = e as Error & { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : -1, out: `${err.stdout ?? ''}${err.stderr ?? ''}${err.message}` };
  }
}

/** A copy of a deploy/ file with the certificate folder pointed at the throwaway one (and more edits). */
function copy(rel: string, name: string, edit: (s: string) => string = (s) => s): string {
  const text = fs.readFileSync(path.join(ROOT, rel), 'utf8').replaceAll('/etc/ssl/podfn/', `${tmp}/`);
  const out = path.join(tmp, name);
  fs.writeFileSync(out, edit(text));
  return out;
}

/** nginx -t on a wrapper holding the given http-block files (an upstream podfn_nodes comes from podfn.conf). */
function nginxWrapper(name: string, includes: string[], extra = ''): string {
  const dir = path.join(tmp, `nginx-${name}`);
  fs.mkdirSync(dir, { recursive: true });
  const conf = path.join(dir, 'nginx.conf');
  fs.writeFileSync(
    conf,
    `pid ${dir}/nginx.pid;\nerror_log stderr;\n${extra}events {}\nhttp {\n  access_log off;\n  client_body_temp_path ${dir}/body;\n  proxy_temp_path ${dir}/proxy;\n${includes.map((f) => `  include ${f};`).join('\n')}\n}\n`,
  );
  return conf;
}
const nginxTest = (conf: string) => sh(NGINX!, ['-t', '-q', '-p', path.dirname(conf), '-e', 'stderr', '-c', conf]);
const haproxyCheck = (cfg: string) => sh(HAPROXY!, ['-c', '-f', cfg]);
const caddyValidate = (file: string) =>
  sh(CADDY!, ['validate', '--config', file, '--adapter', 'caddyfile'], {
    ...process.env,
    HOME: tmp,
    XDG_DATA_HOME: `${tmp}/xdg-data`,
    XDG_CONFIG_HOME: `${tmp}/xdg-config`,
  });

test.before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'podfn-proxies-'));
  if (OPENSSL) {
    const key = path.join(tmp, 'fn.example.com.key');
    const crt = path.join(tmp, 'fn.example.com.crt');
    const r = await sh(OPENSSL, [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-keyout',
      key,
      '-out',
      crt,
      '-subj',
      '/CN=*.fn.example.com',
      '-addext',
      'subjectAltName=DNS:*.fn.example.com,DNS:hello.example.com',
    ]);
    assert.is(r.code, 0, r.out);
    fs.writeFileSync(path.join(tmp, 'fn.example.com.pem'), fs.readFileSync(crt, 'utf8') + fs.readFileSync(key, 'utf8'));
  }
});

test.after(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

const needs = (bin: string | undefined) => (bin && OPENSSL ? test : test.skip.bind(test));

needs(NGINX)(
  `nginx -t: deploy/nginx/podfn.conf and podfn-function-urls.conf; a broken copy fails (skipped without nginx: scripts/ensure-proxies.sh)`,
  async () => {
    const base = copy('deploy/nginx/podfn.conf', 'podfn.conf');
    const urls = copy('deploy/nginx/podfn-function-urls.conf', 'podfn-function-urls.conf');
    const ok = await nginxTest(nginxWrapper('ok', [base, urls]));
    assert.is(ok.code, 0, ok.out);
    const broken = copy('deploy/nginx/podfn-function-urls.conf', 'broken.conf', (s) =>
      s.replace('proxy_pass http://podfn_nodes;', 'proxy_pass http://podfn_nodes'),
    );
    assert.is.not((await nginxTest(nginxWrapper('broken', [base, broken]))).code, 0);
  },
);

needs(HAPROXY)(`haproxy -c: deploy/haproxy/podfn.cfg and podfn-function-urls.cfg, no warnings; a broken copy fails (skipped without haproxy)`, async () => {
  for (const f of ['podfn.cfg', 'podfn-function-urls.cfg']) {
    const res = await haproxyCheck(copy(`deploy/haproxy/${f}`, f));
    assert.is(res.code, 0, `${f}: ${res.out}`);
    assert.not.match(res.out, /WARNING|ALERT/, `${f}: ${res.out}`);
  }
  const broken = copy('deploy/haproxy/podfn-function-urls.cfg', 'broken.cfg', (s) => s.replace('default_backend podfn_nodes', 'default_backend podfn_nodez'));
  assert.is.not((await haproxyCheck(broken)).code, 0);
});

needs(CADDY)(`caddy validate: deploy/caddy/Caddyfile, formatted; a broken copy fails (skipped without caddy)`, async () => {
  const res = await caddyValidate(copy('deploy/caddy/Caddyfile', 'Caddyfile'));
  assert.is(res.code, 0, res.out);
  assert.match(res.out, /Valid configuration/);
  assert.not.match(res.out, /not formatted/, res.out);
  const broken = copy('deploy/caddy/Caddyfile', 'Caddyfile.broken', (s) => s.replace('lb_policy least_conn', 'lb_policy most_conn'));
  assert.is.not((await caddyValidate(broken)).code, 0);
});

// TLS at the front proxy, for real: nginx with the Function URL example (its listen ports moved to free
// ones, its upstream pointed at a podfn gateway) in front of a route name and an app wildcard.
needs(NGINX)('nginx with the Function URL example in front of podfn: https names reach the functions that claim them (skipped without nginx)', async () => {
  await requirePodman();
  let srv: TestServer | undefined;
  let nginx: ChildProcess | undefined;
  try {
    srv = await startServer({ env: { PODFN_CONTAINER_HOST: `unix://${testSocketPath()}`, PODFN_NODE_ID: `proxytest-${process.pid}` } });
    const api = client(srv.url);
    expectOk(await api.post('/v1/apps', { app: { name: 'urls', hosts: ['*.fn.example.com'] } }));
    expectOk(await api.post('/v1/apps/urls/routes', { route: { path: '/echo', image: image('echo'), format: 'http' } }));
    expectOk(await api.post('/v1/apps/other/routes', { route: { path: '/hello', image: image('echo'), format: 'http', hosts: ['hello.example.com'] } }));
    const [tls, plain] = [await freePort(), await freePort()];
    const port = srv.port;
    const upstream = copy('deploy/nginx/podfn.conf', 'e2e-upstream.conf', (s) =>
      s
        .replace(/\n\s*server 127\.0\.0\.1:8082[^\n]*/, '')
        .replace('server 127.0.0.1:8081', `server 127.0.0.1:${port}`)
        .replace(/\nserver \{[\s\S]*$/, '\n'),
    );
    const urls = copy('deploy/nginx/podfn-function-urls.conf', 'e2e-urls.conf', (s) =>
      s.replace('listen 443 ssl http2;', `listen 127.0.0.1:${tls} ssl http2;`).replace('listen 80;', `listen 127.0.0.1:${plain};`),
    );
    const conf = nginxWrapper('e2e', [upstream, urls], 'daemon off;\nmaster_process off;\n');
    const proc = spawn(NGINX!, ['-p', path.dirname(conf), '-e', 'stderr', '-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    nginx = proc;
    let log = '';
    proc.stderr?.on('data', (d: Buffer) => (log += d.toString()));
    const call = (name: string, target: string, body: string) =>
      new Promise<{ status: number; text: string; url: string }>((resolve, reject) => {
        const req = https.request(
          {
            host: '127.0.0.1',
            port: tls,
            servername: name,
            method: 'POST',
            path: target,
            rejectUnauthorized: false,
            headers: { host: name, 'content-type': 'text/plain' },
          },
          (res) => {
            let text = '';
            res.on('data', (d: Buffer) => (text += d.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, text, url: String(res.headers['x-echo-url']) }));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    let first: { status: number; text: string; url: string } | undefined;
    for (let i = 0; i < 100 && !first; i++) {
      first = await call('hello.example.com', '/any/path?x=1', 'via nginx').catch(() => undefined);
      if (!first) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(first, `nginx did not answer: ${log}`);
    assert.is(first.status, 200, first.text);
    assert.is(first.text, 'via nginx');
    assert.is(first.url, '/any/path?x=1');
    const wild = await call('Anything.FN.example.com', '/echo', 'wildcard via nginx');
    assert.is(wild.status, 200, wild.text);
    assert.is(wild.text, 'wildcard via nginx');
  } finally {
    nginx?.kill('SIGTERM');
    await srv?.stop();
  }
});

test.run();
