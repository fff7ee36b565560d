// The base images functions build FROM: localhost/podfn/node:<major>, localhost/podfn/python:<major.minor>
// and localhost/podfn/busybox:latest (the sh runtime). They are made on first use, in the Podman store the
// CLI builds in, from one of two sources:
//   registry: the official images (docker.io/library/node:<major>-bookworm-slim, python:<x.y>-slim-bookworm,
//             busybox:1.36) pulled by a one-step build that adds podfn's labels;
//   local:    this host's own runtime, for hosts that reach no registry: the node binary (the one running
//             the CLI), Debian's /usr/bin/python3 with its standard library, or Debian's busybox-static,
//             each with the shared libraries `ldd` names, streamed as a rootfs tarball into libpod's import.
// PODFN_BASE_SOURCE=local|registry|auto picks the source; auto (the default) asks the registry once, with
// a 2 s timeout. A local base carries the hash of what went in (io.podfn.base.hash, and a quick stat
// signature io.podfn.base.stat) and is rebuilt when the host's runtime changes; otherwise a present
// image is reused as it is. templates.ts writes these names into each Containerfile (ARG BASE=...), and
// `podfn build` resolves and passes the right one (baseForBuild).
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { Readable } from 'node:stream';
import { CliError, EXIT, usage } from './errors.ts';
import { buildFromText, importImage, inspectImage, listImages, removeImage, type ImageInfo } from './podman-build.ts';
import { tarHeaders, tarPad } from './tar.ts';

export const BASE_REPO = 'localhost/podfn';
export const BASE_KINDS = ['node', 'python', 'sh'] as const;
export type BaseKind = (typeof BASE_KINDS)[number];
export type BaseSource = 'local' | 'registry';
export type SourceSetting = BaseSource | 'auto';

const NODE_MAJOR = process.versions.node.split('.')[0] ?? '20';

/** Debian's python3 when present (its stdlib is complete and stable), else the first python3 on PATH. */
function pythonCommand(): string {
  return fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
}

/** major.minor of the host's python3: from the link name (python3 -> python3.11) when it says, else by asking it. */
function hostPythonVersion(): string {
  const cmd = pythonCommand();
  if (cmd.startsWith('/')) {
    try {
      const m = /^python(\d+\.\d+)$/.exec(path.basename(fs.realpathSync(cmd)));
      if (m?.[1]) return m[1];
    } catch {
      /* dangling link: ask below */
    }
  }
  const r = spawnSync(cmd, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8', timeout: 5000 });
  const v = r.status === 0 ? r.stdout.trim() : '';
  return /^\d+\.\d+$/.test(v) ? v : '3.11';
}

/** The node base: the major of the node running this CLI (the binary a local build copies). */
export const NODE_BASE = `${BASE_REPO}/node:${NODE_MAJOR}`;
/** The python base: the host python's major.minor. */
export const PYTHON_BASE = `${BASE_REPO}/python:${hostPythonVersion()}`;
/** The sh runtime's base: busybox. */
export const SH_BASE = `${BASE_REPO}/busybox:latest`;

const NAMES: Record<BaseKind, string> = { node: NODE_BASE, python: PYTHON_BASE, sh: SH_BASE };

/** The official image each base is made from when a registry is reachable (maintained tags). */
export const REGISTRY_SOURCES: Record<BaseKind, string> = {
  node: `docker.io/library/node:${NODE_MAJOR}-bookworm-slim`,
  python: `docker.io/library/python:${PYTHON_BASE.split(':')[1]}-slim-bookworm`,
  sh: 'docker.io/library/busybox:1.36',
};

/** What each base's local build copies from the host, for messages. */
const HOST_WHAT: Record<BaseKind, string> = { node: 'node', python: 'python3', sh: 'busybox' };

/** The runtime a func.yaml names -> its base kind (undefined: podfn has no base for it). */
export function baseKindFor(runtime: string): BaseKind | undefined {
  return (BASE_KINDS as readonly string[]).includes(runtime) ? (runtime as BaseKind) : undefined;
}

/** The base image name for a runtime (node, python, sh), undefined for a runtime without one. */
export function baseImageFor(runtime: string): string | undefined {
  const kind = baseKindFor(runtime);
  return kind && NAMES[kind];
}

export function baseName(kind: BaseKind): string {
  return NAMES[kind];
}

/** localhost/podfn/node:22 -> node (any tag); undefined for names that are not podfn bases. */
export function kindOfImage(image: string): BaseKind | undefined {
  const m = /^localhost\/podfn\/(node|python|busybox):[^/]+$/.exec(image);
  if (!m) return undefined;
  return m[1] === 'busybox' ? 'sh' : (m[1] as BaseKind);
}

// ---- where a base comes from -------------------------------------------------------------------

export const REGISTRY_PROBE_URL = 'https://registry-1.docker.io/v2/';
export const REGISTRY_PROBE_TIMEOUT_MS = 2000;

export interface Probe {
  reachable: boolean;
  /** "HTTP 401", "ENOTFOUND", "no answer in 2000 ms" */
  detail: string;
  ms: number;
}

/**
 * Whether a registry answers: one HTTPS HEAD of `url` (any HTTP status counts: the Docker Hub answers
 * 401), failing on the first error or after `timeoutMs` in all (DNS included).
 */
export function registryReachable(url = REGISTRY_PROBE_URL, timeoutMs = REGISTRY_PROBE_TIMEOUT_MS): Promise<Probe> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    let done = false;
    const finish = (reachable: boolean, detail: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.destroy();
      resolve({ reachable, detail, ms: Date.now() - t0 });
    };
    const req = https.request(url, { method: 'HEAD', headers: { 'User-Agent': 'podfn' } }, (res) => {
      res.resume();
      finish(true, `HTTP ${res.statusCode}`);
    });
    req.on('error', (e: NodeJS.ErrnoException) => finish(false, e.code ?? e.message));
    const timer = setTimeout(() => finish(false, `no answer in ${timeoutMs} ms`), timeoutMs);
    req.end();
  });
}

export function sourceSetting(value = process.env.PODFN_BASE_SOURCE ?? ''): SourceSetting {
  const v = value.trim().toLowerCase() || 'auto';
  if (v === 'local' || v === 'registry' || v === 'auto') return v;
  throw usage(`PODFN_BASE_SOURCE must be local, registry or auto (got ${JSON.stringify(value)})`, 'unset it to let podfn check for a registry');
}

let probed: Promise<Probe> | undefined;

/** The source for a build, and why (said on stderr); a probe happens at most once per process. */
async function decideSource(kind: BaseKind, setting: SourceSetting, forced: string): Promise<{ source: BaseSource; why: string }> {
  const name = NAMES[kind];
  const what = (s: BaseSource) => (s === 'local' ? `this host's ${HOST_WHAT[kind]}` : REGISTRY_SOURCES[kind]);
  if (setting !== 'auto') return { source: setting, why: `${forced}=${setting}: building ${name} from ${what(setting)}` };
  probed ??= registryReachable();
  const p = await probed;
  return p.reachable
    ? { source: 'registry', why: `container registry reachable (${new URL(REGISTRY_PROBE_URL).host}: ${p.detail}): building ${name} from ${what('registry')}` }
    : { source: 'local', why: `no container registry reachable: building ${name} from ${what('local')}` };
}

// ---- local builds: a rootfs from the host's runtime ------------------------------------------

/** Bump when what a local base contains changes, so existing ones are rebuilt. */
const RECIPE = 'podfn-base-v1';

type Entry =
  | { type: 'file'; dest: string; src: string; mode: number; size: number; st: fs.Stats }
  | { type: 'data'; dest: string; data: Buffer; mode: number }
  | { type: 'link'; dest: string; target: string }
  | { type: 'dir'; dest: string; mode: number };

interface Recipe {
  kind: BaseKind;
  /** e.g. /usr/bin/node@v20.20.2 (a label value: no spaces) */
  from: string;
  entries: Entry[];
  changes: string[];
  /** number of shared libraries copied */
  libs: number;
}

function hostFile(dest: string, src: string): Entry {
  const st = fs.statSync(src);
  return { type: 'file', dest, src, mode: st.mode & 0o7777, size: st.size, st };
}

/** Shared libraries (absolute paths, links resolved by the copy) of ELF files, from one `ldd` run. */
function sharedLibs(files: string[]): string[] {
  if (files.length === 0) return [];
  let r: SpawnSyncReturns<string>;
  try {
    r = spawnSync('ldd', files, { encoding: 'utf8', maxBuffer: 16 << 20 });
  } catch {
    return [];
  }
  if (r.error) {
    throw new CliError(
      `cannot run ldd to find the libraries of ${files[0]} (${(r.error as NodeJS.ErrnoException).code ?? r.error.message})`,
      EXIT.BUILD_FAILED,
      'install it (Debian: libc-bin), or set PODFN_BASE_SOURCE=registry on a host that reaches a registry',
    );
  }
  const libs = new Set<string>();
  for (const l of r.stdout.split('\n')) {
    const m = /=>\s+(\/\S+)\s+\(0x/.exec(l) ?? /^\s+(\/\S+)\s+\(0x/.exec(l);
    if (m?.[1] && fs.existsSync(m[1])) libs.add(m[1]);
  }
  return [...libs].sort();
}

function skeleton(): Entry[] {
  return [
    { type: 'dir', dest: 'tmp', mode: 0o1777 },
    ...['proc', 'sys', 'dev', 'etc'].map((d): Entry => ({ type: 'dir', dest: d, mode: 0o755 })),
    { type: 'data', dest: 'etc/passwd', data: Buffer.from('root:x:0:0:root:/:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n'), mode: 0o644 },
    { type: 'data', dest: 'etc/group', data: Buffer.from('root:x:0:\nnogroup:x:65534:\n'), mode: 0o644 },
  ];
}

const rel = (abs: string) => abs.replace(/^\/+/, '');
const PATH_ENV = 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

function nodeRecipe(): Recipe {
  const node = fs.realpathSync(process.execPath);
  const libs = sharedLibs([node]);
  return {
    kind: 'node',
    from: `${node}@${process.version}`,
    entries: [
      ...skeleton(),
      hostFile('usr/bin/node', node),
      { type: 'link', dest: 'usr/local/bin/node', target: '/usr/bin/node' },
      { type: 'link', dest: 'bin/node', target: '/usr/bin/node' },
      ...libs.map((l) => hostFile(rel(l), l)),
    ],
    changes: [PATH_ENV, 'CMD ["/usr/bin/node"]'],
    libs: libs.length,
  };
}

/** Folders of the standard library a function does not need (tests, GUI, pip bootstrap, caches). */
const STDLIB_SKIP = new Set(['__pycache__', 'test', 'tests', 'idlelib', 'tkinter', 'turtledemo', 'ensurepip', 'site-packages', 'dist-packages']);
/** Extension modules left out with them: test helpers and tkinter's (which would pull in X11). */
const DYNLOAD_SKIP = /^(_test|_xxtest|_ctypes_test|xxlimited|_tkinter)/;

interface PythonInfo {
  executable: string;
  version: string;
  full: string;
  stdlib: string;
  dynload: string;
}

function pythonInfo(): PythonInfo {
  const cmd = pythonCommand();
  const script = [
    'import json, os, sys',
    'dyn = [p for p in sys.path if os.path.basename(p) == "lib-dynload"]',
    'print(json.dumps({"executable": os.path.realpath(sys.executable), "version": "%d.%d" % sys.version_info[:2],',
    '  "full": sys.version.split()[0], "stdlib": os.path.dirname(os.__file__), "dynload": dyn[0] if dyn else ""}))',
  ].join('\n');
  const r = spawnSync(cmd, ['-I', '-S', '-c', script], { encoding: 'utf8', timeout: 10_000 });
  if (r.error || r.status !== 0) {
    const why = r.error ? ((r.error as NodeJS.ErrnoException).code ?? r.error.message) : (r.stderr.trim().split('\n').pop() ?? `exit ${r.status}`);
    throw new CliError(
      `cannot build ${PYTHON_BASE} from this host: ${cmd} did not run (${why})`,
      EXIT.BUILD_FAILED,
      'install python3 (Debian: apt-get install python3), or set PODFN_BASE_SOURCE=registry on a host that reaches a registry',
    );
  }
  return JSON.parse(r.stdout) as PythonInfo;
}

function pythonRecipe(): Recipe {
  const py = pythonInfo();
  if (`${BASE_REPO}/python:${py.version}` !== PYTHON_BASE) {
    throw new CliError(`the host's python is ${py.version} but the base is named ${PYTHON_BASE}`, EXIT.BUILD_FAILED);
  }
  const entries: Entry[] = [...skeleton(), hostFile(rel(py.executable), py.executable)];
  const exts: string[] = [];
  const walk = (dir: string) => {
    for (const name of fs.readdirSync(dir).sort()) {
      const abs = path.join(dir, name);
      let st: fs.Stats;
      try {
        st = fs.statSync(abs); // follows links (Debian's sitecustomize.py points into /etc)
      } catch {
        continue; // dangling link
      }
      if (st.isDirectory()) {
        if (STDLIB_SKIP.has(name) || name.startsWith('config-') || fs.lstatSync(abs).isSymbolicLink()) continue;
        walk(abs);
      } else if (st.isFile()) {
        if (name.endsWith('.pyc') || name.endsWith('.exe')) continue;
        if (name.endsWith('.so')) {
          if (DYNLOAD_SKIP.test(name)) continue;
          exts.push(abs);
        }
        entries.push({ type: 'file', dest: rel(abs), src: abs, mode: st.mode & 0o7777, size: st.size, st });
      }
    }
  };
  walk(py.stdlib);
  if (py.dynload && !py.dynload.startsWith(`${py.stdlib}/`)) walk(py.dynload);
  const libs = sharedLibs([py.executable, ...exts]).filter((l) => !l.startsWith(`${py.stdlib}/`));
  entries.push(...libs.map((l) => hostFile(rel(l), l)));
  for (const link of ['/usr/bin/python3', '/usr/bin/python', '/usr/local/bin/python3']) {
    if (link !== py.executable) entries.push({ type: 'link', dest: rel(link), target: py.executable });
  }
  return {
    kind: 'python',
    from: `${py.executable}@${py.full}`,
    entries,
    changes: [PATH_ENV, 'ENV LANG=C.UTF-8', 'CMD ["/usr/bin/python3"]'],
    libs: libs.length,
  };
}

function shRecipe(): Recipe {
  const found = [
    ...(process.env.PATH ?? '')
      .split(':')
      .filter(Boolean)
      .map((d) => path.join(d, 'busybox')),
    '/bin/busybox',
  ].find((f) => {
    try {
      fs.accessSync(f, fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
  if (!found) {
    throw new CliError(
      `cannot build ${SH_BASE} from this host: no busybox binary`,
      EXIT.BUILD_FAILED,
      "install Debian's static one (apt-get install busybox-static), or set PODFN_BASE_SOURCE=registry on a host that reaches a registry",
    );
  }
  const bb = fs.realpathSync(found);
  const r = spawnSync(bb, ['--list-full'], { encoding: 'utf8' });
  const applets = (r.status === 0 ? r.stdout : '')
    .split('\n')
    .map((s) => s.trim())
    .filter((s) => s && s !== 'bin/busybox' && /^[\w./-]+$/.test(s));
  if (!applets.includes('bin/sh')) applets.push('bin/sh');
  const libs = sharedLibs([bb]); // none for busybox-static
  return {
    kind: 'sh',
    from: bb,
    entries: [
      ...skeleton(),
      hostFile('bin/busybox', bb),
      ...applets.map((a): Entry => ({ type: 'link', dest: a, target: '/bin/busybox' })),
      ...libs.map((l) => hostFile(rel(l), l)),
    ],
    changes: [PATH_ENV, 'CMD ["/bin/sh"]'],
    libs: libs.length,
  };
}

function localRecipe(kind: BaseKind): Recipe {
  return kind === 'node' ? nodeRecipe() : kind === 'python' ? pythonRecipe() : shRecipe();
}

/** Quick signature: paths, sizes, mtimes and inodes (a package upgrade changes them). */
function statSignature(r: Recipe): string {
  const h = createHash('sha256').update(`${RECIPE}\n${r.kind}\n${NAMES[r.kind]}\n`);
  for (const e of r.entries) {
    if (e.type === 'file') h.update(`f ${e.dest} ${e.src} ${e.mode} ${e.size} ${e.st.mtimeMs} ${e.st.ino}\n`);
    else if (e.type === 'data') h.update(`d ${e.dest} ${e.mode} ${createHash('sha256').update(e.data).digest('hex')}\n`);
    else if (e.type === 'link') h.update(`l ${e.dest} ${e.target}\n`);
    else h.update(`D ${e.dest} ${e.mode}\n`);
  }
  return h.digest('hex');
}

/** Content hash of everything that goes in (file contents, not times): equal hosts give equal hashes. */
function contentHash(r: Recipe): string {
  const h = createHash('sha256').update(`${RECIPE}\n${r.kind}\n${NAMES[r.kind]}\n`);
  for (const e of r.entries) {
    if (e.type === 'file') h.update(`f ${e.dest} ${e.mode} ${createHash('sha256').update(fs.readFileSync(e.src)).digest('hex')}\n`);
    else if (e.type === 'data') h.update(`d ${e.dest} ${e.mode} ${createHash('sha256').update(e.data).digest('hex')}\n`);
    else if (e.type === 'link') h.update(`l ${e.dest} ${e.target}\n`);
    else h.update(`D ${e.dest} ${e.mode}\n`);
  }
  return h.digest('hex');
}

// A streaming tar (tar.ts headers: ustar, pax for long names): root-owned, mtime 0, folders made as needed.

async function* tarStream(entries: Entry[], onBytes: (n: number) => void): AsyncGenerator<Buffer> {
  const dirs = new Set<string>();
  function* parents(p: string, self?: number): Generator<Buffer> {
    const segs = p.split('/');
    const upto = self === undefined ? segs.length - 1 : segs.length;
    for (let i = 1; i <= upto; i++) {
      const d = segs.slice(0, i).join('/');
      if (dirs.has(d)) continue;
      dirs.add(d);
      yield* tarHeaders(`${d}/`, 0, i === upto && self !== undefined ? self : 0o755, '5');
    }
  }
  for (const e of entries) {
    if (e.type === 'dir') {
      yield* parents(e.dest, e.mode);
    } else if (e.type === 'link') {
      yield* parents(e.dest);
      yield* tarHeaders(e.dest, 0, 0o777, '2', e.target);
    } else if (e.type === 'data') {
      yield* parents(e.dest);
      yield* tarHeaders(e.dest, e.data.length, e.mode, '0');
      yield e.data;
      yield tarPad(e.data.length);
    } else {
      yield* parents(e.dest);
      yield* tarHeaders(e.dest, e.size, e.mode, '0');
      let sent = 0;
      const chunks = e.size === 0 ? [] : fs.createReadStream(e.src, { end: e.size - 1, highWaterMark: 1 << 20 });
      for await (const chunk of chunks) {
        const b = chunk as Buffer;
        sent += b.length;
        onBytes(b.length);
        yield b;
      }
      if (sent !== e.size) throw new Error(`${e.src} changed size while being read`);
      yield tarPad(e.size);
    }
  }
  yield Buffer.alloc(1024);
}

// ---- ensuring a base ---------------------------------------------------------------------------

const LABEL = {
  kind: 'io.podfn.base.kind',
  source: 'io.podfn.base.source',
  from: 'io.podfn.base.from',
  hash: 'io.podfn.base.hash',
  stat: 'io.podfn.base.stat',
};

export interface EnsureOptions {
  /** a line of detail (per build step); the headline and the result go to `say` */
  onProgress: (line: string) => void;
  say: (line: string) => void;
  /** rebuild even when current (podfn base build) */
  force?: boolean;
  /** default: PODFN_BASE_SOURCE, else auto */
  source?: SourceSetting;
}

export interface Ensured {
  name: string;
  id: string;
  source: BaseSource | 'unknown';
  built: boolean;
}

const mb = (n: number) => `${(n / 1e6).toFixed(n < 10e6 ? 1 : 0)} MB`;

/**
 * Makes sure the base for `kind` is in Podman's store and current, building it when missing, when a local
 * build no longer matches the host's runtime, when the forced source differs from the present one, or
 * when `force`. An image under the name without podfn's labels (put there by hand) is used as it is.
 */
export async function ensureBase(kind: BaseKind, o: EnsureOptions): Promise<Ensured> {
  const name = NAMES[kind];
  const setting = o.source ?? sourceSetting();
  const cur = await inspectImage(name);
  let recipe: Recipe | undefined;
  if (cur && !o.force) {
    const l = cur.labels;
    const have = l[LABEL.source];
    if (!l[LABEL.kind]) return { name, id: cur.id, source: 'unknown', built: false };
    if (l[LABEL.kind] === kind && have === 'registry' && setting !== 'local') return { name, id: cur.id, source: 'registry', built: false };
    if (l[LABEL.kind] === kind && have === 'local' && setting !== 'registry') {
      try {
        recipe = localRecipe(kind);
      } catch (e) {
        // The host lost its runtime: the image it made still works.
        if (e instanceof CliError) return { name, id: cur.id, source: 'local', built: false };
        throw e;
      }
      if (l[LABEL.stat] === statSignature(recipe) || l[LABEL.hash] === contentHash(recipe)) return { name, id: cur.id, source: 'local', built: false };
      o.say(`${name} was built from another ${HOST_WHAT[kind]} than this host's (${l[LABEL.from] ?? '?'}): rebuilding it`);
    }
  }
  const { source, why } = await decideSource(kind, setting, o.source && o.source !== 'auto' ? '--source' : 'PODFN_BASE_SOURCE');
  o.say(why);
  const t0 = Date.now();
  const id = source === 'local' ? await buildLocal(recipe ?? localRecipe(kind), o) : await buildFromRegistry(kind, o);
  // The replaced image, now without a name, goes unless something still uses it (a function image built
  // FROM it keeps it as a parent). One that still has another name is left alone.
  if (cur && cur.id !== id) {
    const old = await inspectImage(cur.id);
    if (old && old.tags.every((t) => t.includes('<none>'))) await removeImage(cur.id).catch(() => false);
  }
  const now = await inspectImage(name);
  o.say(
    `built ${name} from ${source === 'local' ? `this host's ${HOST_WHAT[kind]}` : REGISTRY_SOURCES[kind]} (${mb(now?.size ?? 0)}, ${((Date.now() - t0) / 1000).toFixed(1)} s)`,
  );
  return { name, id, source, built: true };
}

async function buildLocal(r: Recipe, o: EnsureOptions): Promise<string> {
  const name = NAMES[r.kind];
  const files = r.entries.filter((e) => e.type === 'file');
  const total = files.reduce((n, e) => n + e.size, 0) + r.entries.reduce((n, e) => n + (e.type === 'data' ? e.data.length : 0), 0);
  o.onProgress(
    `${r.from}: ${files.length} ${files.length === 1 ? 'file' : 'files'} (${r.libs} shared ${r.libs === 1 ? 'library' : 'libraries'}), ${mb(total)}`,
  );
  const hash = contentHash(r);
  let sent = 0;
  let step = 0;
  const stream = Readable.from(
    tarStream(r.entries, (n) => {
      sent += n;
      const s = Math.floor((sent / Math.max(total, 1)) * 4);
      if (s > step && s < 4) {
        step = s;
        o.onProgress(`importing into Podman: ${s * 25}%`);
      }
    }),
  );
  const labels = { [LABEL.kind]: r.kind, [LABEL.source]: 'local', [LABEL.from]: r.from, [LABEL.hash]: hash, [LABEL.stat]: statSignature(r) };
  let id: string;
  try {
    id = await importImage(name, stream, [...r.changes, ...Object.entries(labels).map(([k, v]) => `LABEL ${k}=${v}`)]);
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`could not read the files for ${name}: ${(e as Error).message}`, EXIT.BUILD_FAILED, 'run `podfn base build` again');
  }
  o.onProgress(`imported ${name} (${id.slice(0, 12)})`);
  return id;
}

/** The one-step Containerfile a registry base is built from: the official image plus the paths podfn's templates use. */
export function registryContainerfile(kind: BaseKind): string {
  const from = REGISTRY_SOURCES[kind];
  const link = kind === 'node' ? 'node' : kind === 'python' ? 'python3' : '';
  return [
    `FROM ${from}`,
    ...(link ? [`RUN [ -e /usr/bin/${link} ] || ln -s /usr/local/bin/${link} /usr/bin/${link}`] : []),
    `CMD ["${kind === 'node' ? '/usr/bin/node' : kind === 'python' ? '/usr/bin/python3' : '/bin/sh'}"]`,
    '',
  ].join('\n');
}

async function buildFromRegistry(kind: BaseKind, o: EnsureOptions): Promise<string> {
  const name = NAMES[kind];
  return buildFromText(
    {
      image: name,
      containerfile: registryContainerfile(kind),
      buildArgs: {},
      labels: { [LABEL.kind]: kind, [LABEL.source]: 'registry', [LABEL.from]: REGISTRY_SOURCES[kind] },
      onProgress: o.onProgress,
    },
    `could not make ${name} from ${REGISTRY_SOURCES[kind]}; on a host without registry access set PODFN_BASE_SOURCE=local`,
  );
}

// ---- what `podfn build` passes ----------------------------------------------------------------

/** The global `ARG BASE[=default]` of a Containerfile (before its first FROM), or undefined without one. */
export function baseArgOf(containerfile: string): { default?: string } | undefined {
  for (const raw of containerfile.split('\n')) {
    const l = raw.trim();
    if (/^FROM\s/i.test(l)) return undefined;
    const m = /^ARG\s+BASE(?:=(\S*))?\s*$/i.exec(l);
    if (m) {
      const d = m[1]?.replace(/^(["'])(.*)\1$/, '$2');
      return d ? { default: d } : {};
    }
  }
  return undefined;
}

/**
 * The BASE build argument `podfn build` passes for a function folder, making the base first if needed:
 *  - none when the user passed --build-arg BASE, the Containerfile declares no `ARG BASE`, or its default
 *    is an image of the user's own choosing (anything but a podfn base or test fixture name);
 *  - a podfn base default (or none): that base, ensured (the runtime's base when it is not in the store);
 *  - a podfn test fixture default (localhost/podfn-test/..., written by older `podfn init`): kept when
 *    the fixture is in the store, else replaced by the runtime's base.
 */
export async function baseForBuild(o: { dir: string; runtime: string; buildArgs: Record<string, string> } & EnsureOptions): Promise<string | undefined> {
  if ('BASE' in o.buildArgs) return undefined;
  const cf = ['Containerfile', 'Dockerfile'].map((n) => path.join(o.dir, n)).find((f) => fs.existsSync(f));
  if (!cf) return undefined;
  const arg = baseArgOf(fs.readFileSync(cf, 'utf8'));
  if (!arg) return undefined;
  const d = arg.default;
  const runtimeKind = baseKindFor(o.runtime);
  if (d === undefined || kindOfImage(d)) {
    const kind = (d && kindOfImage(d)) || runtimeKind;
    if (!kind) return undefined;
    // A base named for another host (python:3.12 here) that someone put in the store is used as it is.
    if (d && d !== NAMES[kind] && (await inspectImage(d))) return d;
    return (await ensureBase(kind, o)).name;
  }
  if (d.startsWith('localhost/podfn-test/')) {
    if (!runtimeKind || (await inspectImage(d))) return undefined;
    const name = NAMES[runtimeKind];
    o.say(`${d} (a podfn test fixture) is not in Podman's store: building FROM ${name}`);
    return (await ensureBase(runtimeKind, o)).name;
  }
  return undefined;
}

// ---- listing -----------------------------------------------------------------------------------

export interface BaseRow {
  name: string;
  kind: string;
  source: string;
  from: string;
  size: number;
  created: string;
  id: string;
}

/** podfn's base images in the store: names under localhost/podfn/ with the io.podfn.base.kind label. */
export async function listBases(): Promise<BaseRow[]> {
  const images: ImageInfo[] = await listImages(`${BASE_REPO}/*`);
  const rows: BaseRow[] = [];
  for (const i of images) {
    if (!i.labels[LABEL.kind]) continue;
    for (const t of i.tags.filter((t) => t.startsWith(`${BASE_REPO}/`))) {
      rows.push({
        name: t,
        kind: i.labels[LABEL.kind] ?? '',
        source: i.labels[LABEL.source] ?? 'unknown',
        from: i.labels[LABEL.from] ?? '',
        size: i.size,
        created: i.created,
        id: i.id,
      });
    }
  }
  return rows.sort((a, b) => a.name.localeCompare(b.name));
}
