// `podfn apps list|create|inspect|update|delete`: the admin API's /v1/apps.
import { admin, enc } from '../api.ts';
import { bool, keyValues, list, parse, positionals } from '../args.ts';
import { usage } from '../errors.ts';
import { details, emit, line, table, type Out } from '../output.ts';
import { hostsField, onHosts } from './routes.ts';

interface App {
  name: string;
  config?: Record<string, string>;
  hosts?: string[];
}

const notFound = 'list the apps with `podfn apps list`, or create it with `podfn apps create <name>`';

export async function apps(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  const p = parse(rest, { config: { type: 'string', multiple: true, short: 'c' }, host: { type: 'string', multiple: true }, 'no-hosts': { type: 'boolean' } });
  const out: Out = { json: bool(p.values, 'json') };
  const config = keyValues(list(p.values, 'config'), 'config');
  const hosts = hostsField(p.values);
  switch (sub) {
    case 'list': {
      positionals(p, 'apps list', []);
      const r = await admin<{ apps: App[] }>('GET', '/v1/apps');
      emit(out, r.apps, () =>
        table(
          ['name', 'config', 'hosts'],
          r.apps.map((a) => [a.name, Object.keys(a.config ?? {}).join(','), (a.hosts ?? []).join(',')]),
          'no apps',
        ),
      );
      return;
    }
    case 'create': {
      const [name] = positionals(p, 'apps create', ['name']);
      const r = await admin<{ app: App }>('POST', '/v1/apps', { app: { name, config, ...hosts } });
      emit(out, r.app, () => line(`created app ${r.app.name}${onHosts(r.app.hosts)}`));
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
      if (!Object.keys(config).length && !hosts.hosts)
        throw usage('apps update needs at least one --config KEY=VALUE (KEY= removes it), --host NAME or --no-hosts');
      const r = await admin<{ app: App }>('PATCH', `/v1/apps/${enc(name!)}`, { app: { config, ...hosts } }, notFound);
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
