// `podfn secrets set|ls|rm <app> [<name>]`: an app's secrets (/v1/apps/{app}/secrets). The value of
// `set` comes from stdin or --file, byte for byte (sent base64-encoded, so binary values survive), and
// never from an argument: arguments end up in shell history and in every `ps` listing.
import fs from 'node:fs';
import { admin, enc } from '../api.ts';
import { bool, parse, str } from '../args.ts';
import { CliError, EXIT, usage } from '../errors.ts';
import { emit, line, table, type Out } from '../output.ts';

interface Secret {
  name: string;
  created_at: string;
  updated_at: string;
  routes: string[];
}

const notFound = (app: string) => `list the secrets with \`podfn secrets ls ${app}\``;

async function readStdin(): Promise<Buffer> {
  if (process.stdin.isTTY) throw usage('pipe the value on stdin (e.g. podfn secrets set APP NAME < file) or use --file; a value is never taken as an argument');
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function readFile(file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    throw new CliError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, EXIT.USAGE);
  }
}

export async function secrets(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  const p = parse(rest, { file: { type: 'string', short: 'f' } });
  const out: Out = { json: bool(p.values, 'json') };
  const a = p.positionals;
  switch (sub) {
    case 'set': {
      if (a.length > 2) {
        throw usage(
          'secrets set takes <app> <name>: the value comes from stdin or --file, never from an argument (it would be kept in shell history and shown by ps)',
        );
      }
      if (a.length < 2) throw usage('secrets set takes <app> <name> (value on stdin or --file)');
      const [app, name] = a as [string, string];
      const file = str(p.values, 'file');
      const value = file !== undefined ? readFile(file) : await readStdin();
      if (value.length === 0) throw usage('the value is empty (nothing on stdin or an empty file)');
      const r = await admin<{ message: string; secret: Secret }>('PUT', `/v1/apps/${enc(app)}/secrets/${enc(name)}`, {
        secret: { value: value.toString('base64'), encoding: 'base64' },
      });
      value.fill(0);
      const rolled = r.secret.routes.length ? ` (routes ${r.secret.routes.join(', ')} roll onto new containers)` : '';
      emit(out, r.secret, () => line(`${r.message.replace(/^Secret successfully /, `secret ${app}/${name} `)}${rolled}`));
      return;
    }
    case 'ls':
    case 'list': {
      if (a.length !== 1) throw usage(`secrets ${sub} takes <app>`);
      const app = a[0]!;
      const r = await admin<{ secrets: Secret[] }>('GET', `/v1/apps/${enc(app)}/secrets`, undefined, 'list the apps with `podfn apps list`');
      emit(out, r.secrets, () =>
        table(
          ['name', 'updated', 'routes'],
          r.secrets.map((s) => [s.name, s.updated_at, s.routes.join(',')]),
          `no secrets in app ${app}`,
        ),
      );
      return;
    }
    case 'rm':
    case 'delete': {
      if (a.length !== 2) throw usage(`secrets ${sub} takes <app> <name>`);
      const [app, name] = a as [string, string];
      await admin('DELETE', `/v1/apps/${enc(app)}/secrets/${enc(name)}`, undefined, notFound(app));
      emit(out, { app, name, deleted: true }, () => line(`deleted secret ${app}/${name}`));
      return;
    }
    default:
      throw usage(sub ? `unknown command: secrets ${sub}` : 'secrets needs a command: set, ls, rm');
  }
}
