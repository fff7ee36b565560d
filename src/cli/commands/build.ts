// `podfn build` (and the build step of deploy): func.yaml -> image name:version built by Podman
// through its API, progress streamed to stderr (stdout stays for the result, so --json stays parseable).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bool, keyValues, list, parse, positionals, str, type Values } from '../args.ts';
import { imageRef, loadFunc, type FuncFile } from '../func-file.ts';
import { emit, line, type Out } from '../output.ts';
import { baseForBuild } from '../base-images.ts';
import { buildImage } from '../podman-build.ts';
import type { TarEntry } from '../tar.ts';

export const BUILD_OPTIONS = {
  dir: { type: 'string', short: 'd' },
  image: { type: 'string' },
  'build-arg': { type: 'string', multiple: true },
  'no-cache': { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
} as const;

const FDK_DIR = fileURLToPath(new URL('../../../fdk/node/', import.meta.url));
const PYTHON_FDK = fileURLToPath(new URL('../../../fdk/python/podfn_fdk.py', import.meta.url));

/** The repo's node FDK as context files at node_modules/@podfn/fdk/ (a folder's own copy wins). */
function fdkFiles(): TarEntry[] {
  return fs
    .readdirSync(FDK_DIR)
    .filter((f) => f !== 'README.md')
    .map((f) => ({ name: `node_modules/@podfn/fdk/${f}`, data: fs.readFileSync(path.join(FDK_DIR, f)) }));
}

/** The FDK a runtime's Containerfile copies from the context, when the folder has no copy of its own. */
function runtimeFiles(runtime: string): TarEntry[] {
  if (runtime === 'node') return fdkFiles();
  if (runtime === 'python') return [{ name: 'podfn_fdk.py', data: fs.readFileSync(PYTHON_FDK) }];
  return [];
}

export interface Built {
  func: FuncFile;
  image: string;
  id: string;
  dir: string;
}

export async function buildFrom(v: Values): Promise<Built> {
  const dir = path.resolve(str(v, 'dir') ?? '.');
  const { func } = loadFunc(dir);
  const image = str(v, 'image') ?? imageRef(func);
  const quiet = bool(v, 'quiet');
  const buildArgs = keyValues(list(v, 'build-arg'), 'build-arg');
  const progress = (l: string) => {
    if (!quiet) process.stderr.write(`  ${l}\n`);
  };
  // The base image (build arg BASE): podfn's for the runtime, made first when missing or stale.
  const base = await baseForBuild({ dir, runtime: func.runtime, buildArgs, onProgress: progress, say: (l) => process.stderr.write(`${l}\n`) });
  if (base) buildArgs.BASE = base;
  process.stderr.write(`building ${image} from ${dir}${base ? ` (FROM ${base})` : ''}\n`);
  const id = await buildImage({
    dir,
    image,
    buildArgs,
    labels: { 'io.podfn.func': func.name, 'io.podfn.func.version': func.version },
    noCache: bool(v, 'no-cache'),
    extraFiles: runtimeFiles(func.runtime),
    onProgress: progress,
  });
  return { func, image, id, dir };
}

export async function build(argv: string[]): Promise<void> {
  const p = parse(argv, BUILD_OPTIONS);
  positionals(p, 'build', []);
  const out: Out = { json: bool(p.values, 'json') };
  const b = await buildFrom(p.values);
  emit(out, { image: b.image, id: b.id, name: b.func.name, version: b.func.version }, () => line(`built ${b.image}${b.id ? ` (${b.id.slice(0, 12)})` : ''}`));
}
