// The python base image the python-runtime tests build FROM. PYTHON_BASE (src/cli/base-images.ts) when
// that image is in the test Podman's store; otherwise localhost/podfn-test/python-base:latest, made here
// without a registry from the host's `python3` (a pyenv install under /root/.pyenv or Debian's
// /usr/bin/python3 alike): its real executable and standard library at the same paths as on the host
// (found through sys.executable and sysconfig, so the interpreter finds its prefix as it does on the
// host), the shared libraries ldd lists for the executable and the lib-dynload modules, and
// /usr/bin/python3 linking to the executable. Imported through Podman's API (libpod images/import);
// rebuilt only when the io.podfn.fixture-hash label no longer matches the interpreter.
// PODFN_TEST_PYTHON_BASE=host uses the host-made base even when PYTHON_BASE is there.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { PYTHON_BASE } from '../../src/cli/base-images.ts';
import { tarDirectory } from '../../src/cli/tar.ts';

export const PYTHON_TEST_BASE = 'localhost/podfn-test/python-base:latest';

// Not needed by a function (and the bulk of a stdlib): tests, bundled pip, Tk, IDLE, build config, and
// the packages installed on the host.
const SKIP = /^(test|idlelib|tkinter|turtledemo|ensurepip|lib2to3|site-packages|dist-packages|config-[^/]*)$|^lib-dynload\/_tkinter/;

interface HostPython {
  executable: string;
  stdlib: string;
  dynload: string;
  version: string;
}

function hostPython(): HostPython {
  const code = `import json, os, sys, sysconfig
print(json.dumps({"executable": os.path.realpath(sys.executable), "stdlib": sysconfig.get_path("stdlib"),
  "dynload": sysconfig.get_config_var("DESTSHARED") or os.path.join(sysconfig.get_path("platstdlib"), "lib-dynload"),
  "version": sys.version}))`;
  return JSON.parse(execFileSync('python3', ['-c', code], { encoding: 'utf8' })) as HostPython;
}

function api(socketPath: string, method: string, p: string, body?: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = body ? { 'Content-Type': 'application/x-tar', 'Content-Length': String(body.length) } : {};
    const req = http.request({ socketPath, method, path: p, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function inspect(socketPath: string, image: string): Promise<{ Id: string; Config?: { Labels?: Record<string, string> | null } } | null> {
  const r = await api(socketPath, 'GET', `/v1.41/images/${encodeURIComponent(image)}/json`);
  return r.status === 200 ? (JSON.parse(r.body) as { Id: string; Config?: { Labels?: Record<string, string> } }) : null;
}

/** Absolute paths of the shared libraries (and loader) an ELF file needs, as glibc's ldd lists them. */
function libsOf(file: string): string[] {
  let out: string;
  try {
    out = execFileSync('ldd', [file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return []; // static, or not an ELF file
  }
  const libs: string[] = [];
  for (const line of out.split('\n')) {
    const m = /=>\s+(\/\S+)/.exec(line) ?? /^\s*(\/\S+)/.exec(line);
    if (m?.[1]) libs.push(m[1]);
  }
  return libs;
}

/** Copies `src` (a file, or a folder without what SKIP names) to the same absolute path under `root`. */
function copyIn(root: string, src: string, skipRel = false): void {
  fs.cpSync(src, path.join(root, src), {
    recursive: true,
    dereference: true,
    filter: (from) => !skipRel || !SKIP.test(path.relative(src, from)),
  });
}

/** The base image to build python functions FROM in the test Podman at `socketPath`. */
export async function pythonBase(socketPath: string): Promise<string> {
  if (process.env.PODFN_TEST_PYTHON_BASE !== 'host' && (await inspect(socketPath, PYTHON_BASE))) return PYTHON_BASE;
  const py = hostPython();
  const st = fs.statSync(py.executable);
  const hash = createHash('sha256')
    .update(JSON.stringify({ v: 1, py, size: st.size, mtime: st.mtimeMs }))
    .digest('hex');
  const current = await inspect(socketPath, PYTHON_TEST_BASE);
  if (current?.Config?.Labels?.['io.podfn.fixture-hash'] === hash) return PYTHON_TEST_BASE;

  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'podfn-pybase-'));
  try {
    const root = path.join(work, 'rootfs');
    for (const d of ['bin', 'etc', 'proc', 'sys', 'dev', 'tmp', 'usr/bin']) fs.mkdirSync(path.join(root, d), { recursive: true });
    fs.chmodSync(path.join(root, 'tmp'), 0o1777);
    copyIn(root, py.executable);
    copyIn(root, py.stdlib, true);
    if (!py.dynload.startsWith(`${py.stdlib}/`) && fs.existsSync(py.dynload)) copyIn(root, py.dynload, true);
    const modules = fs.existsSync(py.dynload) ? fs.readdirSync(py.dynload).filter((f) => f.endsWith('.so') && !f.startsWith('_tkinter')) : [];
    const libs = new Set([py.executable, ...modules.map((f) => path.join(py.dynload, f))].flatMap(libsOf));
    for (const lib of libs) if (!fs.existsSync(path.join(root, lib))) copyIn(root, lib);
    if (py.executable !== '/usr/bin/python3') fs.symlinkSync(py.executable, path.join(root, 'usr/bin/python3'));
    fs.writeFileSync(path.join(root, 'etc/passwd'), 'root:x:0:0:root:/:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n');
    fs.writeFileSync(path.join(root, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
    const q = new URLSearchParams({ reference: PYTHON_TEST_BASE });
    for (const c of [
      'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      'CMD ["/usr/bin/python3"]',
      `LABEL io.podfn.fixture-hash=${hash}`,
    ])
      q.append('changes', c);
    const r = await api(socketPath, 'POST', `/v4.0.0/libpod/images/import?${q.toString()}`, tarDirectory(root));
    if (r.status !== 200) throw new Error(`importing ${PYTHON_TEST_BASE} failed (${r.status}): ${r.body}`);
    // the replaced image is ours: drop it unless a container still uses it
    if (current) await api(socketPath, 'DELETE', `/v4.0.0/libpod/images/${current.Id}`).catch(() => undefined);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  return PYTHON_TEST_BASE;
}
