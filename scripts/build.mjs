// build.mjs: compiles the gateway (src/main.ts) into one ES module, dist/main.js, that plain `node`
// runs. `npm start`, the gateway image and the systemd unit run it; the tests run the sources through
// tsx. Why: tsx's loader costs ~40 MB of RSS and ~0.4 s of start-up in every gateway process.
//
// Packages stay in node_modules (loaded as usual), except dockerode and docker-modem, which are
// bundled so that three of their dependencies can load lazily: @grpc/grpc-js and @grpc/proto-loader
// (only for BuildKit sessions, which podfn never opens) and ssh2 (only for ssh:// Docker hosts). Each is
// replaced by a proxy that requires the real package on first use, so nothing stops working; it is
// just not paid for at start.
//
// Usage: node scripts/build.mjs [--if-stale]   (--if-stale: skip when dist/main.js is newer than
// every input: src/, db/schema.ts, package-lock.json, this script)
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outfile = path.join(root, 'dist', 'main.js');
const LAZY = ['@grpc/grpc-js', '@grpc/proto-loader', 'ssh2'];
const BUNDLED = ['dockerode', 'docker-modem'];

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

if (process.argv.includes('--if-stale') && fs.existsSync(outfile) && fs.statSync(outfile).mtimeMs > newestInput()) {
  process.exit(0);
}

/** Everything external except the bundled packages; the lazy ones become first-use proxies. */
const packages = {
  name: 'podfn-packages',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('node:')) return { external: true };
      const name = args.path.startsWith('@') ? args.path.split('/').slice(0, 2).join('/') : args.path.split('/')[0];
      if (LAZY.includes(name) && args.namespace !== 'lazy') return { path: args.path, namespace: 'lazy' };
      if (BUNDLED.includes(name)) return undefined; // resolved and bundled by esbuild
      return { external: true };
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
  // bundled CommonJS (dockerode) calls require(): give the ES module one
  banner: { js: "import { createRequire as __podfnCreateRequire } from 'node:module'; const require = __podfnCreateRequire(import.meta.url);" },
  plugins: [packages],
});
