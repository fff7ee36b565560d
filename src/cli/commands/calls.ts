// `podfn calls list|inspect|logs`: call records and logs under /v1/apps/{app}/calls.
import { admin, enc, request, errorMessage, exitCodeFor, hintFor } from '../api.ts';
import { bool, int, parse, positionals, str } from '../args.ts';
import { CliError, usage } from '../errors.ts';
import { details, emit, printJson, table, type Out } from '../output.ts';

interface Call {
  id: string;
  path?: string;
  status: string;
  created_at?: string;
  completed_at?: string;
  [k: string]: unknown;
}

const callHint = (app: string) => `list the app's calls with \`podfn calls list ${app}\``;

export async function calls(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  const p = parse(rest, {
    route: { type: 'string', short: 'r' },
    status: { type: 'string', short: 's' },
    limit: { type: 'string', short: 'n' },
    cursor: { type: 'string' },
  });
  const out: Out = { json: bool(p.values, 'json') };
  switch (sub) {
    case 'list': {
      const [app] = positionals(p, 'calls list', ['app']);
      const q = new URLSearchParams();
      const route = str(p.values, 'route');
      if (route) q.set('path', route.startsWith('/') ? route : `/${route}`);
      const status = str(p.values, 'status');
      if (status) q.set('status', status);
      const limit = int(p.values, 'limit');
      if (limit !== undefined) q.set('per_page', String(limit));
      const cursor = str(p.values, 'cursor');
      if (cursor) q.set('cursor', cursor);
      const r = await admin<{ calls: Call[]; next_cursor?: string | null }>(
        'GET',
        `/v1/apps/${enc(app!)}/calls${q.size ? `?${q.toString()}` : ''}`,
        undefined,
        'list the apps with `podfn apps list`',
      );
      emit(out, { calls: r.calls, next_cursor: r.next_cursor ?? null }, () => {
        table(
          ['id', 'route', 'status', 'created'],
          r.calls.map((c) => [c.id, c.path ?? '', c.status, c.created_at ?? '']),
          `no calls in app ${app}`,
        );
        if (r.next_cursor) process.stdout.write(`more: podfn calls list ${app} --cursor ${r.next_cursor}\n`);
      });
      return;
    }
    case 'inspect': {
      const [app, id] = positionals(p, 'calls inspect', ['app', 'call-id']);
      const r = await admin<{ call: Call }>('GET', `/v1/apps/${enc(app!)}/calls/${enc(id!)}`, undefined, callHint(app!));
      emit(out, r.call, () => details(r.call));
      return;
    }
    case 'logs': {
      const [app, id] = positionals(p, 'calls logs', ['app', 'call-id']);
      const path = `/v1/apps/${enc(app!)}/calls/${enc(id!)}/log`;
      const res = await request(path, { headers: { Accept: out.json ? 'application/json' : 'text/plain' } });
      if (res.status !== 200)
        throw new CliError(`${errorMessage(res)} (GET ${path}: ${res.status})`, exitCodeFor(res.status), hintFor(res.status, callHint(app!)));
      if (out.json) {
        const j = JSON.parse(res.body.toString('utf8')) as { log: { call_id: string; log: string } };
        printJson(j.log);
      } else process.stdout.write(res.body);
      return;
    }
    default:
      throw usage(sub ? `unknown command: calls ${sub}` : 'calls needs a command: list, inspect, logs');
  }
}
