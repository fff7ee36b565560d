// `podfn server start`: runs the gateway (src/main.ts) in a child node process with the tsx loader,
// forwarding SIGINT/SIGTERM and exiting with its code. Flags map to the gateway's environment.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { int, parse, positionals, str } from '../args.ts';
import { usage } from '../errors.ts';

const MAIN = fileURLToPath(new URL('../../main.ts', import.meta.url));
/** tsx's loader by absolute URL: `--import tsx` would resolve against the caller's cwd. */
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

export async function server(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'start') throw usage(sub ? `unknown command: server ${sub}` : 'server needs a command: start');
  const p = parse(rest, { port: { type: 'string', short: 'p' }, host: { type: 'string' }, db: { type: 'string' } });
  positionals(p, 'server start', []);
  const env = { ...process.env };
  const port = int(p.values, 'port');
  if (port !== undefined) env.PORT = String(port);
  if (str(p.values, 'host')) env.HOST = str(p.values, 'host');
  if (str(p.values, 'db')) env.PODFN_DB_URL = str(p.values, 'db');
  const child = spawn(process.execPath, ['--import', TSX, MAIN], { stdio: 'inherit', env });
  const forward = (sig: NodeJS.Signals) => () => child.kill(sig);
  process.on('SIGINT', forward('SIGINT'));
  process.on('SIGTERM', forward('SIGTERM'));
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 + 15 : 1))));
}
