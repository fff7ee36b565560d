// dist/main.js (scripts/build.mjs copies this file there): starts the gateway bundle, dist/gateway.cjs,
// with V8's code cache, dist/gateway.cache. The cache holds the bytecode of the bundle's module
// initialisation, so the 2 MB bundle is not parsed and compiled again on every start (~60 ms of the
// ~300 ms to listening on this machine kind; docs/benchmarks.md).
//
// The cache is written only by scripts/build.mjs, as the user who builds, next to the bundle (never at
// run time, never in a shared folder): `node <npm start's node flags> dist/main.js --write-code-cache`
// loads the bundle without starting the gateway and saves what V8 compiled. It starts with a header
// line naming the build it belongs to (the id on the bundle's last line) and the node version and flags
// it was made with. Used only when the build id matches; V8 itself refuses a cache made by another V8
// version or with other flags. A missing, stale or refused cache only costs the compile time: the
// gateway starts the same way without it. globalThis.__podfnCodeCache tells the gateway which case
// it was ('used', 'refused', 'none'); it logs it with 'podfn listening'.
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import Module from 'node:module';
import { fileURLToPath } from 'node:url';

const __dirname = path.dirname(fileURLToPath(import.meta.url));

const file = path.join(__dirname, 'gateway.cjs');
const cacheFile = path.join(__dirname, 'gateway.cache');
const write = process.argv[2] === '--write-code-cache';
const source = fs.readFileSync(file, 'utf8');
const idAt = source.lastIndexOf('//# podfn-build=');
const buildId = idAt < 0 ? '' : source.slice(idAt + 16).trim();

/** the cache's bytes after its header, when the header names this build */
function readCache() {
  let buf;
  try {
    buf = fs.readFileSync(cacheFile);
  } catch {
    return undefined;
  }
  const nl = buf.indexOf(10);
  if (nl < 0 || !buildId) return undefined;
  const header = buf.subarray(0, nl).toString('latin1').split(' ');
  if (header[0] !== 'podfn-code-cache' || header[1] !== buildId) return undefined;
  return buf.subarray(nl + 1);
}

const cachedData = write ? undefined : readCache();
const options = { filename: file, cachedData };
if (vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER) options.importModuleDynamically = vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER;
const script = new vm.Script(Module.wrap(source), options);
globalThis.__podfnCodeCache = cachedData === undefined ? 'none' : script.cachedDataRejected ? 'refused' : 'used';
if (write) globalThis.__podfnLoadOnly = true; // src/main.ts: load every module, start nothing

const mod = new Module(file);
mod.filename = file;
mod.paths = Module._nodeModulePaths(__dirname);
script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(file), mod, file, __dirname);

if (write) {
  const header = `podfn-code-cache ${buildId} ${process.version} ${process.execArgv.join(',')}\n`;
  const tmp = `${cacheFile}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, Buffer.concat([Buffer.from(header, 'latin1'), script.createCachedData()]), { mode: 0o644 });
  fs.renameSync(tmp, cacheFile);
  process.exit(0);
}
