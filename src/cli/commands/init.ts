// `podfn init --runtime node|python|sh [--format f] <name>`: a new function folder with func.yaml, a
// handler and a Containerfile (base image as a build argument), plus the FDK: for node under
// node_modules/@podfn/fdk, for python as podfn_fdk.py beside func.py.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bool, parse, positionals, str } from '../args.ts';
import { CliError, EXIT, usage } from '../errors.ts';
import { FORMATS, RUNTIMES, funcToYaml, parseFunc, type FuncFile, type Format, type Runtime } from '../func-file.ts';
import { emit, line, type Out } from '../output.ts';
import { template } from '../templates.ts';

const FDK_DIR = fileURLToPath(new URL('../../../fdk/node/', import.meta.url));
const PYTHON_FDK = fileURLToPath(new URL('../../../fdk/python/podfn_fdk.py', import.meta.url));

/** Synchronous work (files only); returns a promise to fit the command table, which awaits it in a try. */
export function init(argv: string[]): Promise<void> {
  const p = parse(argv, {
    runtime: { type: 'string', short: 'r' },
    format: { type: 'string', short: 'f' },
    type: { type: 'string', short: 't' },
    path: { type: 'string', short: 'p' },
    dir: { type: 'string', short: 'd' },
    force: { type: 'boolean' },
  });
  const out: Out = { json: bool(p.values, 'json') };
  const [name] = positionals(p, 'init', ['name']);
  const runtime = str(p.values, 'runtime');
  if (!runtime) throw usage(`init needs --runtime (${RUNTIMES.join(', ')})`);
  if (!(RUNTIMES as readonly string[]).includes(runtime)) throw usage(`unknown runtime ${JSON.stringify(runtime)}: use ${RUNTIMES.join(', ')}`);
  const format = str(p.values, 'format') ?? 'default';
  if (!(FORMATS as readonly string[]).includes(format)) throw usage(`unknown format ${JSON.stringify(format)}: use ${FORMATS.join(', ')}`);
  const dir = path.resolve(str(p.values, 'dir') ?? name!.split('/').pop()!);
  const yaml = [`name: ${name}`, 'version: 0.0.1', `runtime: ${runtime}`, `format: ${format}`];
  if (str(p.values, 'type')) yaml.push(`type: ${str(p.values, 'type')}`);
  if (str(p.values, 'path')) yaml.push(`path: ${str(p.values, 'path')}`);
  // Validate through the same parser `build` uses, so init never writes a func.yaml build would reject.
  let func: FuncFile = parseFunc(`${yaml.join('\n')}\n`, '(init options)');
  const t = template(runtime as Runtime, func.name, format as Format);
  func = { ...func, entrypoint: t.entrypoint };
  if (fs.existsSync(path.join(dir, 'func.yaml')) && !bool(p.values, 'force')) {
    throw new CliError(`${path.join(dir, 'func.yaml')} already exists`, EXIT.REJECTED, 'pick another name or --dir, or pass --force to overwrite');
  }
  fs.mkdirSync(dir, { recursive: true });
  const written = ['func.yaml'];
  fs.writeFileSync(path.join(dir, 'func.yaml'), funcToYaml(func));
  for (const [file, text] of Object.entries(t.files)) {
    fs.writeFileSync(path.join(dir, file), text, { mode: file.endsWith('.sh') ? 0o755 : 0o644 });
    written.push(file);
  }
  if (runtime === 'node') {
    const dest = path.join(dir, 'node_modules', '@podfn', 'fdk');
    fs.mkdirSync(dest, { recursive: true });
    for (const f of fs.readdirSync(FDK_DIR)) fs.copyFileSync(path.join(FDK_DIR, f), path.join(dest, f));
    written.push('node_modules/@podfn/fdk/');
  }
  if (runtime === 'python') {
    fs.copyFileSync(PYTHON_FDK, path.join(dir, 'podfn_fdk.py'));
    written.push('podfn_fdk.py');
  }
  emit(out, { dir, func, files: written }, () => {
    line(`created ${func.runtime} function ${func.name} (format ${func.format}) in ${dir}: ${written.join(', ')}`);
    line(`next: cd ${path.relative(process.cwd(), dir) || '.'} && podfn deploy --app <app>`);
  });
  return Promise.resolve();
}
