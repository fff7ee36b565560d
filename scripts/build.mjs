// build.mjs: compiles the gateway (src/main.ts) into one CommonJS bundle, dist/gateway.cjs, that plain
// `node dist/main.js` runs. `npm start`, the gateway image and the systemd unit run it; the tests run the
// sources through tsx. Why: tsx's loader costs ~40 MB of RSS and ~0.4 s of start-up in every gateway
// process.
//
// dist/main.js is the loader (scripts/gateway-loader.mjs, a small ES module): it compiles the bundle
// with V8's code cache, dist/gateway.cache, which this script writes last by running the loader with npm start's node flags (read from package.json: V8 refuses a cache made with
// other flags) and --write-code-cache. CommonJS because node 20 can give a code cache only to a
// vm.Script, not to an ES module. The bundle's last line is its build id (sha256 of its text), which
// the cache's header must name. Start-up to listening: ~310 ms as one ES module, ~295 ms as CommonJS,
// ~245 ms with the cache (docs/benchmarks.md).
//
// Every package is bundled (one file to compile instead of ~1,000 modules to resolve, read and link:
// start-up to listening took ~660 ms of CPU with the packages left in node_modules, ~350 ms bundled),
// except those that cannot be: libsql's native addon (loaded from node_modules as usual) and ws's
// optional native helpers (absent: ws falls back to JavaScript). Four dependencies of dockerode load
// lazily: @grpc/grpc-js, @grpc/proto-loader and protobufjs (only for BuildKit, which podfn never uses)
// and ssh2 (only for ssh:// Docker hosts). Each is replaced by a proxy that requires the real package
// on first use, so nothing stops working; it is just not paid for at start. (docker-modem's ssh agent,
// which reads ssh2's Client as it loads, is itself loaded on its first call.)
//
// It also builds the web console (src/ui/client/ -> dist/ui/: index.html, app.js, app.css; preact and
// uPlot bundled, minified), which the gateway serves at /ui/ from memory, and refuses a console over
// UI_BUDGET_GZIP bytes gzipped (it prints the size).
//
// Also dist/record-worker.js, the call record writer thread's entry (an ES module; see the end of this file).
//
// Usage: node scripts/build.mjs [--if-stale] [--ui]   (--if-stale: skip when dist/ is newer than every
// input: src/, db/schema.ts, package-lock.json, package.json, this script and the loader; and the code
// cache was made by this node with npm start's flags, else only the cache is written again; --ui: the
// console only)
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const outfile = path.join(dist, 'gateway.cjs');
const loaderFile = path.join(dist, 'main.js');
const cacheFile = path.join(dist, 'gateway.cache');
const workerFile = path.join(dist, 'record-worker.js');
const LOADER_SRC = path.join(root, 'scripts', 'gateway-loader.mjs');
const LAZY = ['@grpc/grpc-js', '@grpc/proto-loader', 'protobufjs', 'ssh2'];
/** loaded from node_modules at run time: native addons (and ws's optional ones) */
const EXTERNAL = ['libsql', 'bufferutil', 'utf-8-validate'];

function newestInput() {
  let newest = 0;
  const visit = (p) => {
    const st = fs.statSync(p);
    if (st.isDirectory()) for (const e of fs.readdirSync(p)) visit(path.join(p, e));
    else newest = Math.max(newest, st.mtimeMs);
  };
  for (const p of ['src', 'db/schema.ts', 'package-lock.json', 'package.json', 'scripts/build.mjs', 'scripts/gateway-loader.mjs']) {
    if (fs.existsSync(path.join(root, p))) visit(path.join(root, p));
  }
  return newest;
}

const uiOnly = process.argv.includes('--ui');
const uiDir = path.join(root, 'dist', 'ui');
const uiIndex = path.join(uiDir, 'index.html');
/** The whole console (every file of dist/ui), gzipped, must stay under this. */
export const UI_BUDGET_GZIP = 150 * 1024;

/** npm start's node flags (package.json's start script: `... node <flags> dist/main.js`): the cache's */
function startFlags() {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const m = / node ((?:--\S+ )*)dist\/main\.js$/.exec(pkg.scripts.start);
  if (!m) throw new Error(`package.json's start script does not end in 'node [flags] dist/main.js': ${pkg.scripts.start}`);
  return m[1].split(' ').filter(Boolean);
}

/** whether dist/gateway.cache belongs to the current bundle, this node and npm start's flags */
function cacheCurrent() {
  try {
    const head = fs.readFileSync(cacheFile).subarray(0, 512).toString('latin1');
    const [magic, id, version, flags] = head.slice(0, head.indexOf('\n')).split(' ');
    const src = fs.readFileSync(outfile, 'utf8');
    const ownId = src.slice(src.lastIndexOf('//# podfn-build=') + 16).trim();
    return magic === 'podfn-code-cache' && id === ownId && version === process.version && flags === startFlags().join(',');
  } catch {
    return false;
  }
}

/** runs the loader in its --write-code-cache mode (scripts/gateway-loader.mjs) */
function writeCodeCache() {
  fs.rmSync(cacheFile, { force: true });
  execFileSync(process.execPath, [...startFlags(), loaderFile, '--write-code-cache'], { cwd: root, stdio: 'inherit' });
  console.error(`code cache: ${(fs.statSync(cacheFile).size / 1024).toFixed(0)} KB (${path.relative(root, cacheFile)})`);
}

if (process.argv.includes('--if-stale')) {
  const newest = newestInput();
  const fresh = (f) => fs.existsSync(f) && fs.statSync(f).mtimeMs > newest;
  if (fresh(uiIndex) && uiOnly) process.exit(0);
  if (fresh(uiIndex) && fresh(outfile) && fresh(loaderFile) && fresh(workerFile)) {
    if (!cacheCurrent()) writeCodeCache(); // e.g. node was upgraded: the bundle stays, the cache is redone
    process.exit(0);
  }
}

/** src/ui/client -> dist/ui: one script and one stylesheet, referenced with a content hash. */
async function buildUi() {
  const src = path.join(root, 'src', 'ui', 'client');
  fs.rmSync(uiDir, { recursive: true, force: true });
  await build({
    entryPoints: { app: path.join(src, 'main.tsx') },
    outdir: uiDir,
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2020',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    legalComments: 'none',
    logLevel: 'warning',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  const hash = createHash('sha256');
  for (const f of ['app.js', 'app.css']) hash.update(fs.readFileSync(path.join(uiDir, f)));
  const html = fs.readFileSync(path.join(src, 'index.html'), 'utf8').replaceAll('__HASH__', hash.digest('hex').slice(0, 12));
  fs.writeFileSync(uiIndex, html);
  let total = 0;
  const sizes = fs.readdirSync(uiDir).map((f) => {
    const gz = zlib.gzipSync(fs.readFileSync(path.join(uiDir, f)), { level: 9 }).length;
    total += gz;
    return `${f} ${(gz / 1024).toFixed(1)} KB`;
  });
  console.error(`console: ${(total / 1024).toFixed(1)} KB gzipped (${sizes.join(', ')}; budget ${UI_BUDGET_GZIP / 1024} KB)`);
  if (total > UI_BUDGET_GZIP) throw new Error(`the console is ${total} bytes gzipped, over its budget of ${UI_BUDGET_GZIP}`);
}

await buildUi();
if (uiOnly) process.exit(0);

/** Everything bundled except the native packages; the lazy ones become first-use proxies. */
const packages = {
  name: 'podfn-packages',
  setup(b) {
    // docker-modem's ssh agent reads ssh2's Client as it loads, which would load ssh2 at start (~20 ms):
    // the agent itself becomes a function that loads it from node_modules on its first call (ssh:// only)
    b.onResolve({ filter: /^\.\/ssh$/ }, (args) =>
      /node_modules\/docker-modem\/lib\/modem\.js$/.test(args.importer) ? { path: 'docker-modem/lib/ssh.js', namespace: 'lazy-call' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy-call' }, (args) => ({
      loader: 'js',
      contents: `module.exports = function () { return require(${JSON.stringify(args.path)}).apply(this, arguments); };`,
    }));
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('node:')) return { external: true };
      if (args.namespace === 'lazy-call') return { external: true }; // its own require, at first call
      const name = args.path.startsWith('@') ? args.path.split('/').slice(0, 2).join('/') : args.path.split('/')[0];
      if (LAZY.includes(name) && args.namespace !== 'lazy') return { path: args.path, namespace: 'lazy' };
      if (args.namespace === 'lazy') return { external: true }; // the proxy's own require, at first use
      if (EXTERNAL.includes(name)) return { external: true };
      return undefined; // resolved and bundled by esbuild
    });
    // CommonJS: `require` here is the bundle's own (dist/gateway.cjs's), so the real package loads from node_modules the first time a property of the proxy is read.
    b.onLoad({ filter: /.*/, namespace: 'lazy' }, (args) => ({
      loader: 'js',
      contents: `let real;
const load = () => (real ??= require(${JSON.stringify(args.path)}));
module.exports = new Proxy({}, {
  get: (_, key) => load()[key],
  has: (_, key) => key in load(),
  ownKeys: () => Reflect.ownKeys(load()),
  getOwnPropertyDescriptor: (_, key) => { const d = Object.getOwnPropertyDescriptor(load(), key); return d && { ...d, configurable: true }; },
});`,
    }));
  },
};

await build({
  entryPoints: [path.join(root, 'src', 'main.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  // the sources' import.meta.url (where dist/ and db/migrations are): the bundle's own file URL
  define: { 'import.meta.url': '__podfnImportMetaUrl' },
  banner: { js: "const __podfnImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  plugins: [packages],
});
// the build id the code cache's header must name (scripts/gateway-loader.mjs)
const buildId = createHash('sha256').update(fs.readFileSync(outfile)).digest('hex').slice(0, 32);
fs.appendFileSync(outfile, `//# podfn-build=${buildId}\n`);
fs.rmSync(path.join(dist, 'main.js.map'), { force: true }); // the ES module bundle's, before the loader
fs.copyFileSync(LOADER_SRC, loaderFile);
writeCodeCache();

// The call record writer's thread (src/store/record-writer.ts starts it from next to the bundle):
// src/store/record-worker.ts -> dist/record-worker.js, an ES module, packages as for the gateway
// (libSQL's addon external).
await build({
  entryPoints: [path.join(root, 'src', 'store', 'record-worker.ts')],
  outfile: workerFile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  banner: { js: "import { createRequire as __podfnCreateRequire } from 'node:module'; const require = __podfnCreateRequire(import.meta.url);" },
  plugins: [packages],
});
