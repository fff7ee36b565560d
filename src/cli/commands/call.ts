// `podfn call <app> <route>`: stdin (or --data) -> request body -> /r/{app}/{route}; prints the response body
// (stdout) or, with --async, the call id. Exit 0 for 2xx/3xx, 3 when the gateway says the app or
// route does not exist, 1 for any other error status (the body still goes to stdout, the status to stderr).
import { errorMessage, request, enc, routeSegment, admin } from '../api.ts';
import { bool, keyValues, list, parse, positionals, str } from '../args.ts';
import { CliError, EXIT, usage } from '../errors.ts';
import { printJson } from '../output.ts';
import { routeNotFound, type Route } from './routes.ts';

async function readStdin(): Promise<Buffer> {
  if (process.stdin.isTTY) return Buffer.alloc(0); // nothing piped in: an empty body, never a hang
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export async function call(argv: string[]): Promise<void> {
  const p = parse(argv, {
    async: { type: 'boolean' },
    method: { type: 'string', short: 'X' },
    header: { type: 'string', multiple: true, short: 'H' },
    'content-type': { type: 'string' },
    data: { type: 'string', short: 'd' },
  });
  const [app, route] = positionals(p, 'call', ['app', 'route']);
  const json = bool(p.values, 'json');
  const headers = keyValues(
    list(p.values, 'header').map((h) => h.replace(/^([^:=]+):\s*/, '$1=')),
    'header',
  );
  const ct = str(p.values, 'content-type');
  if (ct) headers['Content-Type'] = ct;
  if (bool(p.values, 'async')) {
    // Check first: a sync route would run the call and answer its result instead of a call id.
    const r = await admin<{ route: Route }>('GET', `/v1/apps/${enc(app!)}/routes/${routeSegment(route!)}`, undefined, routeNotFound(app!));
    if (r.route.type !== 'async') {
      throw new CliError(
        `route ${app}${r.route.path} is sync; --async needs an async route`,
        EXIT.USAGE,
        `make it async with \`podfn routes update ${app} ${r.route.path} --type async\`, or call it without --async`,
      );
    }
  }
  const method = (str(p.values, 'method') ?? 'POST').toUpperCase();
  if (!/^[A-Z]+$/.test(method)) throw usage(`--method must be an HTTP method like POST (got ${JSON.stringify(method)})`);
  const data = str(p.values, 'data');
  const body = method === 'GET' || method === 'HEAD' ? Buffer.alloc(0) : data !== undefined ? Buffer.from(data) : await readStdin();
  const res = await request(`/r/${enc(app!)}/${routeSegment(route!)}`, { method, body, headers });
  const callId = typeof res.headers['fn-call-id'] === 'string' ? res.headers['fn-call-id'] : undefined;
  if (res.status === 404) {
    const msg = errorMessage(res);
    if (msg === 'App not found' || msg === 'Route not found') {
      throw new CliError(`${msg}: ${app}${route!.startsWith('/') ? '' : '/'}${route}`, EXIT.NOT_FOUND, routeNotFound(app!));
    }
  }
  if (bool(p.values, 'async') && res.status === 202) {
    const id = (JSON.parse(res.body.toString('utf8')) as { call_id: string }).call_id;
    if (json) printJson({ call_id: id, status: res.status });
    else process.stdout.write(`${id}\n`);
    return;
  }
  if (json) {
    const text = res.body.toString('utf8');
    const utf8 = Buffer.from(text, 'utf8').equals(res.body);
    printJson({
      status: res.status,
      call_id: callId ?? null,
      headers: res.headers,
      body: utf8 ? text : res.body.toString('base64'),
      body_encoding: utf8 ? 'utf8' : 'base64',
    });
  } else {
    process.stdout.write(res.body);
  }
  if (res.status >= 400) {
    throw new CliError(
      `the call answered ${res.status}${callId ? ` (call ${callId})` : ''}: ${errorMessage(res)}`,
      EXIT.FAILED,
      callId ? `its log: podfn calls logs ${app} ${callId}` : undefined,
    );
  }
}
