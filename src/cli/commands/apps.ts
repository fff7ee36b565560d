// `podfn apps list|create|inspect|update|delete`: the admin API's /v1/apps.
import { admin, enc } from '../api.ts';
import { bool, keyValues, list, parse, positionals } from '../args.ts';
import { usage } from '../errors.ts';
import { details, emit, line, table, type Out } from '../output.ts';

interface App {
  name: string;
  config?: Record<string, string>;
}

const notFound = 'list the apps with `podfn apps list`, or create it with `podfn apps create <name>`';

export async function apps(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  const p = parse(rest, { config: { type: 'string', multiple: true, short: 'c' } });
  const out: Out = { json: bool(p.values, 'json') };
  const config = keyValues(list(p.values, 'config'), 'config');
  switch (sub) {
    case 'list': {
      positionals(p, 'apps list', []);
      const r = await admin<{ apps: App[] }>('GET', '/v1/apps');
      emit(out, r.apps, () =>
        table(
          ['name', 'config'],
          r.apps.map((a) => [a.name, Object.keys(a.config ?? {}).join(',')]),
          'no apps',
        ),
      );
      return;
    }
    case 'create': {
      const [name] = positionals(p, 'apps create', ['name']);
      const r = await admin<{ app: App }>('POST', '/v1/apps', { app: { name, config } });
      emit(out, r.app, () => line(`created app ${r.app.name}`));
      return;
    }
    case 'inspect': {
      const [name] = positionals(p, 'apps inspect', ['name']);
      const r = await admin<{ app: App }>('GET', `/v1/apps/${enc(name!)}`, undefined, notFound);
      emit(out, r.app, () => details({ ...r.app }));
      return;
    }
    case 'update': {
      const [name] = positionals(p, 'apps update', ['name']);
      if (!Object.keys(config).length) throw usage('apps update needs at least one --config KEY=VALUE (KEY= removes it)');
      const r = await admin<{ app: App }>('PATCH', `/v1/apps/${enc(name!)}`, { app: { config } }, notFound);
      emit(out, r.app, () => line(`updated app ${r.app.name}`));
      return;
    }
    case 'delete': {
      const [name] = positionals(p, 'apps delete', ['name']);
      await admin('DELETE', `/v1/apps/${enc(name!)}`, undefined, notFound);
      emit(out, { deleted: name }, () => line(`deleted app ${name}`));
      return;
    }
    default:
      throw usage(sub ? `unknown command: apps ${sub}` : 'apps needs a command: list, create, inspect, update, delete');
  }
}
