// `podfn base ls` and `podfn base build [node|python|sh|all] [--source local|registry|auto]`: the base
// images functions build FROM (see base-images.ts). `podfn build` makes a missing one on its own; these
// list them and (re)build them on purpose, e.g. after a runtime upgrade or to prepare an offline host.
import { bool, parse, positionals, str } from '../args.ts';
import { BASE_KINDS, ensureBase, listBases, sourceSetting, type BaseKind, type Ensured } from '../base-images.ts';
import { CliError, EXIT, usage } from '../errors.ts';
import { emit, line, table, type Out } from '../output.ts';

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

async function ls(argv: string[]): Promise<void> {
  const p = parse(argv, {});
  positionals(p, 'base ls', []);
  const out: Out = { json: bool(p.values, 'json') };
  const rows = await listBases();
  emit(out, rows, () =>
    table(
      ['name', 'source', 'size', 'created', 'from'],
      rows.map((r) => [r.name, r.source, mb(r.size), r.created.slice(0, 16).replace('T', ' '), r.from]),
      'no podfn base images yet: `podfn build` makes the one a function needs, `podfn base build all` makes them all',
    ),
  );
}

async function buildBases(argv: string[]): Promise<number> {
  const p = parse(argv, { source: { type: 'string', short: 's' }, quiet: { type: 'boolean', short: 'q' } });
  const [target = 'all'] = positionals(p, 'base build', ['runtime?']);
  const out: Out = { json: bool(p.values, 'json') };
  const quiet = bool(p.values, 'quiet');
  const src = str(p.values, 'source');
  if (src !== undefined && !['local', 'registry', 'auto'].includes(src)) throw usage(`--source must be local, registry or auto (got ${JSON.stringify(src)})`);
  const source = sourceSetting(src ?? process.env.PODFN_BASE_SOURCE ?? '');
  if (target !== 'all' && !(BASE_KINDS as readonly string[]).includes(target))
    throw usage(`base build takes ${BASE_KINDS.join(', ')} or all (got ${JSON.stringify(target)})`);
  const kinds: BaseKind[] = target === 'all' ? [...BASE_KINDS] : [target as BaseKind];
  const done: Ensured[] = [];
  const failed: { kind: BaseKind; error: string }[] = [];
  for (const kind of kinds) {
    try {
      done.push(
        await ensureBase(kind, {
          force: true,
          source,
          say: (l) => process.stderr.write(`${l}\n`),
          onProgress: (l) => {
            if (!quiet) process.stderr.write(`  ${l}\n`);
          },
        }),
      );
    } catch (e) {
      // One runtime missing on this host (no python3, no busybox) does not stop the others under `all`.
      if (!(e instanceof CliError) || kinds.length === 1 || e.code === EXIT.UNAVAILABLE) throw e;
      process.stderr.write(`podfn: ${e.message}\n${e.hint ? `  hint: ${e.hint}\n` : ''}`);
      failed.push({ kind, error: e.message });
    }
  }
  emit(out, { built: done, failed }, () => {
    for (const d of done) line(`built ${d.name} (${d.source}, ${d.id.slice(0, 12)})`);
  });
  return failed.length ? EXIT.BUILD_FAILED : EXIT.OK;
}

export async function base(argv: string[]): Promise<void | number> {
  const [sub, ...rest] = argv;
  if (sub === 'ls' || sub === 'list') return ls(rest);
  if (sub === 'build') return buildBases(rest);
  throw usage(sub ? `unknown base command: ${sub}` : 'base needs a command: ls or build');
}
