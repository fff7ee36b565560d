// `podfn rollback <app> <path> [N]`: restores the route's definition N versions before the current one
// (default 1, the previous; `podfn routes history` lists them, at most 9 back). The gateway writes it as
// a new version and rolls it out like any update: the running version serves until the restored one
// answers. Rolling back twice returns to where you started.
import { admin, enc, routeSegment } from '../api.ts';
import { bool, parse, positionals } from '../args.ts';
import { usage } from '../errors.ts';
import { emit, line, type Out } from '../output.ts';
import { routeNotFound, type Route } from './routes.ts';

export async function rollback(argv: string[]): Promise<void> {
  const p = parse(argv, {});
  const out: Out = { json: bool(p.values, 'json') };
  const [app, path, n] = positionals(p, 'rollback', ['app', 'path', 'N?']);
  let back = 1;
  if (n !== undefined) {
    if (!/^[0-9]+$/.test(n) || Number(n) < 1) throw usage(`rollback's N is how many versions back (1 = the previous definition), got ${n}`);
    back = Number(n);
  }
  const r = await admin<{ restored_from: number; route: Route }>(
    'POST',
    `/v1/apps/${enc(app!)}/routes/${routeSegment(path!)}/rollback`,
    { back },
    routeNotFound(app!),
  );
  emit(out, r, () => line(`rolled back ${app}${r.route.path} to version ${r.restored_from} (${r.route.image}); it rolls out like an update`));
}
