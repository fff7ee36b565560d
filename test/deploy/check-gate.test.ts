// The engineering gate (`npm run check`, the first step of .ci/run) fails a tree with a type error and
// a tree where src/runner imports src/store: each case is a copy of this checkout's tracked files with
// the fault added, checked by the same tools the script runs. Also: the script runs tsc, eslint and
// prettier, and .ci/run runs it before any test.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../helpers/server.ts';

const test = suite('npm run check');
const copies: string[] = [];

/** A copy of the tracked files (node_modules linked), with `extra` files written into it. */
function treeWith(extra: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'podfn-gate-'));
  copies.push(dir);
  const files = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const f of files) {
    if (!fs.existsSync(path.join(ROOT, f))) continue; // deleted in the work tree
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.copyFileSync(path.join(ROOT, f), path.join(dir, f));
  }
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  for (const [f, text] of Object.entries(extra)) fs.writeFileSync(path.join(dir, f), text);
  return dir;
}

function tool(dir: string, bin: string, args: string[]): { status: number | null; out: string } {
  const r = spawnSync(path.join(ROOT, 'node_modules', '.bin', bin), args, { cwd: dir, encoding: 'utf8', timeout: 300_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

test.after(() => {
  for (const d of copies) fs.rmSync(d, { recursive: true, force: true });
});

test('the check script runs tsc, eslint and prettier; .ci/run runs it before any test', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  assert.match(pkg.scripts.check!, /tsc --noEmit/);
  assert.match(pkg.scripts.check!, /eslint \./);
  assert.match(pkg.scripts.check!, /prettier --check/);
  const ci = fs.readFileSync(path.join(ROOT, '.ci/run'), 'utf8');
  const check = ci.indexOf('npm run -s check');
  assert.ok(check > 0, '.ci/run runs the check');
  assert.ok(check < ci.indexOf('for spec in "${RUNS[@]}"'), 'before the test runs');
});

test('a type error fails tsc', () => {
  const dir = treeWith({ 'src/runner/gate-probe.ts': "export const n: number = 'not a number';\n" });
  const r = tool(dir, 'tsc', ['--noEmit', '-p', '.']);
  assert.is.not(r.status, 0, r.out);
  assert.match(r.out, /src\/runner\/gate-probe\.ts.*TS2322/);
});

test('src/runner importing src/store fails eslint with the boundary rule', () => {
  const dir = treeWith({ 'src/runner/gate-probe.ts': "import { openStore } from '../store/db.ts';\nexport const probe = openStore;\n" });
  const r = tool(dir, 'eslint', ['src/runner/gate-probe.ts']);
  assert.is.not(r.status, 0, r.out);
  assert.match(r.out, /'\.\.\/store\/db\.ts' import is restricted.*src\/runner imports only node built-ins, dockerode and itself/);
});

test.run();
