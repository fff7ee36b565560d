// Configuration: defaults, validation that names the variable, and docs/configuration.md documenting every
// setting (its table is what scripts/config-table.ts prints).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadConfig, settings, ConfigError } from '../../src/config.ts';

test('defaults load from an empty environment', () => {
  const c = loadConfig({});
  assert.is(c.PORT, 8080);
  assert.is(c.PODFN_DB_URL, 'file:./data/podfn.db');
  assert.is(c.PODFN_ADMIN_BODY_LIMIT, 1024 * 1024);
  assert.is(c.PODFN_FUNCTION_READONLY, true);
  assert.ok(c.totalMemoryMb > 0);
  assert.ok(c.containerSocket.startsWith('/'));
});

test('a bad value stops loading with a message naming the variable', () => {
  for (const [name, value] of [
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PODFN_DB_URL', 'mysql://x'],
    ['PODFN_FUNCTION_READONLY', 'maybe'],
    ['PODFN_CONTAINER_HOST', 'tcp://1.2.3.4:2375'],
    ['PODFN_NODE_ID', 'Bad Id'],
  ] as const) {
    try {
      loadConfig({ [name]: value });
      assert.unreachable(`${name}=${value} was accepted`);
    } catch (e) {
      assert.instance(e, ConfigError);
      assert.match((e as Error).message, name);
    }
  }
});

test('PODFN_CONTAINER_HOST accepts unix:// URLs and bare paths', () => {
  assert.is(loadConfig({ PODFN_CONTAINER_HOST: 'unix:///run/podman/podman.sock' }).containerSocket, '/run/podman/podman.sock');
  assert.is(loadConfig({ PODFN_CONTAINER_HOST: '/tmp/x.sock' }).containerSocket, '/tmp/x.sock');
});

test('docs/configuration.md lists every setting with its default', () => {
  const doc = fs.readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
  for (const [name, [, def]] of Object.entries(settings)) {
    const row = doc.split('\n').find((l) => l.startsWith(`| \`${name}\` |`));
    assert.ok(row, `docs/configuration.md has no row for ${name} (paste the output of npx tsx scripts/config-table.ts)`);
    if (def !== '') assert.ok(row.includes(`\`${def}\``), `docs/configuration.md row for ${name} shows its default ${def}`);
  }
});

test('docs/configuration.md holds exactly the table scripts/config-table.ts prints', () => {
  const doc = fs.readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
  const m = /<!-- config-table:start[^\n]*-->\n([\s\S]*?)\n<!-- config-table:end -->/.exec(doc);
  assert.ok(m, 'docs/configuration.md has lost its <!-- config-table:start --> / <!-- config-table:end --> markers');
  const printed = execFileSync(process.execPath, ['--import', 'tsx', 'scripts/config-table.ts'], {
    cwd: fileURLToPath(new URL('../../', import.meta.url)),
    encoding: 'utf8',
  });
  assert.fixture(m[1]!, printed.trimEnd(), 'docs/configuration.md differs from npx tsx scripts/config-table.ts: paste its output between the markers');
});

test.run();
