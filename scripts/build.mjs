// build.mjs: compiles the gateway (src/main.ts) into one ES module, dist/main.js, that plain `node`
// runs. `npm start`, the gateway image and the systemd unit run it; the tests run the sources through
// tsx. Why: tsx's loader costs ~40 MB of RSS and ~0.4 s of start-up in every gateway process.
//
// Every package is bundled (one file to compile instead of ~1,000 modules to resolve, read and link:
// start-up to listening took ~660 ms of CPU with the packages left in node_modules, ~350 ms bundled),
// except those that cannot be: libsql's native addon (loaded from node_modules as usual) and ws's
// optional native helpers (absent: ws falls back to JavaScript). Four dependencies of dockerode load
// lazily: @grpc/grpc-js, @grpc/proto-loader and protobufjs (only for BuildKit, which podfn never uses)
// and ssh2 (only for ssh:// Docker hosts). Each is replaced by a proxy that requires the real package
// on first use, so nothing stops working; it is just not paid for at start.
//
// It also builds the web console (src/ui/client/ -> dist/ui/: index.html, app.js, app.css; preact and
// uPlot bundled, minified), which the gateway serves at /ui/ from memory, and refuses a console over
// UI_BUDGET_GZIP bytes gzipped (it prints the size).
//
// Usage: node scripts/build.mjs [--if-stale] [--ui]   (--if-stale: skip when dist/main.js and
// dist/ui/index.html are newer than every input: src/, db/schema.ts, package-lock.json, this script;
// --ui: the console only)
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { createHash } from 'node:crypto';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outfile = path.join(root, 'dist', 'main.js');
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
  for (const p of ['src', 'db/schema.ts', 'package-lock.json', 'scripts/build.mjs']) {
    if (fs.existsSync(path.join(root, p))) visit(path.join(root, p));
  }
  return newest;
}

const uiOnly = process.argv.includes('--ui');
const uiDir = path.join(root, 'dist', 'ui');
const uiIndex = path.join(uiDir, 'index.html');
/** The whole console (every file of dist/ui), gzipped, must stay under this. */
export const UI_BUDGET_GZIP = 150 * 1024;

if (process.argv.includes('--if-stale')) {
  const newest = newestInput();
  const fresh = (f) => fs.existsSync(f) && fs.statSync(f).mtimeMs > newest;
  if (fresh(uiIndex) && (uiOnly || fresh(outfile))) process.exit(0);
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
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('node:')) return { external: true };
      const name = args.path.startsWith('@') ? args.path.split('/').slice(0, 2).join('/') : args.path.split('/')[0];
      if (LAZY.includes(name) && args.namespace !== 'lazy') return { path: args.path, namespace: 'lazy' };
      if (args.namespace === 'lazy') return { external: true }; // the proxy's own require, at first use
      if (EXTERNAL.includes(name)) return { external: true };
      return undefined; // resolved and bundled by esbuild
    });
    // CommonJS: `require` here is the one the banner defines (node's createRequire), so the real
    // package loads from node_modules the first time a property of the proxy is read.
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
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  // bundled CommonJS (dockerode, pino, ...) calls require(): give the ES module one
  banner: { js: "import { createRequire as __podfnCreateRequire } from 'node:module'; const require = __podfnCreateRequire(import.meta.url);" },
  plugins: [packages],
});
