// `podfn deploy --app <app>`: build, then create or update the route from func.yaml (PUT upserts the
// route and creates the app when missing; the new image makes the gateway drain old hot containers).
import { admin, enc, routeSegment } from '../api.ts';
import { bool, parse, positionals, str } from '../args.ts';
import { usage } from '../errors.ts';
import { imageRef, loadFunc, routeBody } from '../func-file.ts';
import { emit, line, type Out } from '../output.ts';
import { BUILD_OPTIONS, buildFrom } from './build.ts';
import type { Route } from './routes.ts';

export async function deploy(argv: string[]): Promise<void> {
  const p = parse(argv, { ...BUILD_OPTIONS, app: { type: 'string', short: 'a' }, 'skip-build': { type: 'boolean' } });
  positionals(p, 'deploy', []);
  const out: Out = { json: bool(p.values, 'json') };
  const app = str(p.values, 'app');
  if (!app) throw usage('deploy needs --app <app> (the app is created when missing)');
  let func, image;
  if (bool(p.values, 'skip-build')) {
    func = loadFunc(str(p.values, 'dir') ?? '.').func;
    image = str(p.values, 'image') ?? imageRef(func);
  } else {
    ({ func, image } = await buildFrom(p.values));
  }
  const body = routeBody(func, image);
  const r = await admin<{ route: Route }>('PUT', `/v1/apps/${enc(app)}/routes/${routeSegment(func.path)}`, { route: body });
  emit(out, { app, route: r.route, image }, () =>
    line(`deployed ${image} to ${app}${r.route.path} (${r.route.type}, format ${r.route.format}); call it: podfn call ${app} ${r.route.path}`),
  );
}
