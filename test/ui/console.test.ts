// The web console at /ui/ in a real browser: Debian's chromium (installed by scripts/test-setup.sh;
// nothing downloads a browser) driven by puppeteer-core, against a real gateway (admin auth on) with
// real Podman and a local test image. Logs in, watches a chart update, creates an app and a route
// (bad input first: the API's message shows at the field and nothing changes), tries the route, finds
// the call and its log, edits and deletes. Every page: no page errors, no console errors (the network
// log of an expected 4xx aside), no request to another origin, every form field labelled and reached by
// Tab; a screenshot of each page is kept (test/artifacts/ui/, or $PODFN_CI_LOG_DIR/ui in CI). The
// login, session cookie, CSRF, CSP and framing rules are checked over plain HTTP as well.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { startServer, ROOT, type TestServer } from '../helpers/server.ts';
import { client, request, type Client } from '../helpers/http.ts';
import { image, testSocketPath } from '../helpers/podman.ts';
import { waitFor } from '../helpers/wait.ts';

const TOKEN = 'console-test-admin-token-0123456789';
const APP = 'uiapp';
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => fs.existsSync(p));
const ARTIFACTS = process.env.PODFN_CI_LOG_DIR ? path.join(process.env.PODFN_CI_LOG_DIR, 'ui') : path.join(ROOT, 'test', 'artifacts', 'ui');

interface Ctx {
  srv?: TestServer;
  api?: Client;
  browser?: Browser;
  page?: Page;
  problems: string[];
}
const test = suite<Ctx>('ui: the web console in chromium', { problems: [] });

const auth = { authorization: `Bearer ${TOKEN}` };
const form = (headers: Record<string, string> = {}) => ({
  headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
});

test.before(async (ctx) => {
  // the assets the gateway serves (npm start and pretest build them too)
  execFileSync(process.execPath, ['scripts/build.mjs', '--ui', '--if-stale'], { cwd: ROOT, stdio: 'inherit' });
  ctx.srv = await startServer({
    env: {
      PODFN_ADMIN_TOKEN: TOKEN,
      PODFN_STATS_INTERVAL_MS: '1000',
      PODFN_CONTAINER_HOST: `unix://${testSocketPath()}`,
      PODFN_NODE_ID: `uitest-${process.pid}`,
    },
  });
  ctx.api = client(ctx.srv.url);
  fs.mkdirSync(ARTIFACTS, { recursive: true });
});

test.after(async (ctx) => {
  await ctx.browser?.close().catch(() => {});
  if (ctx.api) await ctx.api.req('DELETE', `/v1/apps/${APP}?cascade=true`, undefined, { headers: auth }).catch(() => {});
  await ctx.srv?.stop();
});

// ---------- over plain HTTP ----------

/** The bytes as sent (no decompression), for sizes. */
function rawGet(url: string, headers: Record<string, string>): Promise<{ status: number; headers: http.IncomingHttpHeaders; bytes: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, bytes: Buffer.concat(chunks) }));
      })
      .on('error', reject);
  });
}

test('every /ui answer: strict CSP without inline script, framing refused, nosniff; assets gzipped, under budget', async (ctx) => {
  const res = await request(ctx.srv!.url, 'GET', '/ui/', undefined, { headers: { 'accept-encoding': 'identity' } });
  assert.is(res.status, 200, res.text);
  const csp = String(res.headers['content-security-policy']);
  assert.match(csp, /default-src 'self'/);
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.not.match(csp, /unsafe-inline|unsafe-eval/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.is(res.headers['x-frame-options'], 'DENY');
  assert.is(res.headers['x-content-type-options'], 'nosniff');
  // no inline script, nothing from another origin
  assert.not.match(res.text, /<script(?![^>]*\bsrc=)[^>]*>/);
  assert.not.match(res.text, /(src|href)="(https?:)?\/\//);
  let total = 0;
  for (const m of res.text.matchAll(/(?:src|href)="([^"]+)"/g)) {
    if (m[1]!.startsWith('data:')) continue;
    const asset = await rawGet(`${ctx.srv!.url}/ui/${m[1]!}`, { 'accept-encoding': 'gzip' });
    assert.is(asset.status, 200, m[1]);
    assert.is(asset.headers['content-encoding'], 'gzip');
    total += asset.bytes.length;
  }
  total += (await rawGet(`${ctx.srv!.url}/ui/`, { 'accept-encoding': 'gzip' })).bytes.length;
  console.log(`  console size: ${(total / 1024).toFixed(1)} KB gzipped`);
  assert.ok(total < 150 * 1024, `console ${total} bytes gzipped`);
  assert.is((await ctx.api!.get('/ui')).status, 301);
  assert.is((await ctx.api!.get('/ui/nothing.js')).status, 404);
});

test('login: wrong token 401, cross-origin 403; the cookie is HttpOnly, SameSite=Strict, expiring, never the token; the API takes it only with the CSRF header and a same Origin; logout ends it', async (ctx) => {
  const base = ctx.srv!.url;
  const host = new URL(base).host;
  assert.is((await request(base, 'POST', '/ui/login', 'token=wrong', form())).status, 401);
  assert.is((await request(base, 'POST', '/ui/login', `token=${TOKEN}`, form({ origin: 'https://evil.example' }))).status, 403);
  assert.is((await request(base, 'POST', '/ui/login', JSON.stringify({ token: TOKEN }), { headers: { 'content-type': 'application/json' } })).status, 400);
  const ok = await request(base, 'POST', '/ui/login', `token=${TOKEN}`, form({ origin: `http://${host}` }));
  assert.is(ok.status, 200, ok.text);
  const setCookie = String(ok.headers['set-cookie']);
  assert.match(setCookie, /^podfn_console=[A-Za-z0-9_-]{40,};/);
  assert.match(setCookie, /HttpOnly/);
  assert.match(setCookie, /SameSite=Strict/);
  assert.match(setCookie, /Max-Age=\d+/);
  assert.not.match(setCookie, /Secure/); // plain http here; https gets Secure
  assert.not.ok(setCookie.includes(TOKEN));
  const cookie = setCookie.split(';')[0]!;
  const { csrf } = ok.json<{ csrf: string }>();
  const v1 = (headers: Record<string, string>) => request(base, 'GET', '/v1/apps', undefined, { headers: { cookie, ...headers } });
  assert.is((await v1({})).status, 401, 'cookie without the CSRF header');
  assert.is((await v1({ 'x-podfn-csrf': 'wrong' })).status, 401, 'wrong CSRF token');
  assert.is((await v1({ 'x-podfn-csrf': csrf, origin: 'https://evil.example' })).status, 401, 'foreign Origin');
  assert.is((await v1({ 'x-podfn-csrf': csrf })).status, 200, 'cookie + CSRF');
  assert.is((await v1({ 'x-podfn-csrf': csrf, origin: `http://${host}` })).status, 200, 'cookie + CSRF + own Origin');
  // a state-changing request with the cookie alone (what a cross-site form could send) changes nothing
  const forged = await request(base, 'POST', '/v1/apps', { app: { name: 'forged' } }, { headers: { cookie } });
  assert.is(forged.status, 401);
  assert.is((await ctx.api!.req('GET', '/v1/apps/forged', undefined, { headers: auth })).status, 404);
  // logout needs the CSRF token too, then the session is gone for good
  assert.is((await request(base, 'POST', '/ui/logout', '', { headers: { cookie } })).status, 403);
  const out = await request(base, 'POST', '/ui/logout', '', { headers: { cookie, 'x-podfn-csrf': csrf } });
  assert.is(out.status, 200);
  assert.match(String(out.headers['set-cookie']), /Max-Age=0/);
  assert.is((await v1({ 'x-podfn-csrf': csrf })).status, 401, 'session ended');
  const session = await request(base, 'GET', '/ui/session', undefined, { headers: { cookie } });
  assert.equal(session.json<{ auth: boolean; logged_in: boolean }>().logged_in, false);
});

// ---------- in the browser ----------

const skipBrowser = !CHROMIUM;
const btest = skipBrowser ? test.skip.bind(test) : test;
if (skipBrowser) test.skip('browser tests (skipped: no chromium at /usr/bin/chromium; scripts/test-setup.sh installs it)', () => {});

async function shot(page: Page, name: string) {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Every visible form control has a label (a <label for>, a wrapping label or aria-label) and Tab reaches it. */
async function checkFormsAccessible(page: Page, what: string) {
  const unlabelled = await page.$$eval('input, select, textarea', (els) =>
    els
      .filter((e) => (e as HTMLElement).offsetParent !== null && (e as HTMLInputElement).type !== 'hidden')
      .filter((e) => {
        const el = e as HTMLInputElement;
        return !(el.labels && el.labels.length > 0) && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby');
      })
      .map((e) => e.outerHTML.slice(0, 120)),
  );
  assert.equal(unlabelled, [], `${what}: controls without a label`);
  await page.$$eval('[data-tab-seen]', (els) => els.forEach((e) => e.removeAttribute('data-tab-seen')));
  const total = await page.$$eval(
    'input:not([disabled]), select:not([disabled]), textarea:not([disabled])',
    (els) => els.filter((e) => (e as HTMLElement).offsetParent !== null).length,
  );
  await page.evaluate(() => {
    (document.activeElement as HTMLElement | null)?.blur();
    window.scrollTo(0, 0);
  });
  const seen = new Set<string>();
  for (let i = 0; i < 300; i++) {
    await page.keyboard.press('Tab');
    const id = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      if (!el || el === document.body) return '';
      if (!el.dataset.tabSeen) el.dataset.tabSeen = String(Math.random());
      return /^(INPUT|SELECT|TEXTAREA)$/.test(el.tagName) ? el.dataset.tabSeen : `other:${el.dataset.tabSeen}`;
    });
    if (id && !id.startsWith('other:')) seen.add(id);
    if (seen.size >= total) break;
  }
  assert.is(seen.size, total, `${what}: Tab reached ${seen.size} of ${total} form controls`);
}

const apiGet = async (ctx: Ctx, target: string) => ctx.api!.req('GET', target, undefined, { headers: auth });

async function clickText(page: Page, selector: string, text: string | RegExp) {
  await page.waitForFunction(
    (sel: string, t: string) => [...document.querySelectorAll(sel)].some((e) => new RegExp(t).test(e.textContent ?? '')),
    { timeout: 20_000 },
    selector,
    typeof text === 'string' ? text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : text.source,
  );
  const handles = await page.$$(selector);
  for (const h of handles) {
    const t = await h.evaluate((e) => e.textContent ?? '');
    if (typeof text === 'string' ? t.includes(text) : text.test(t)) return h.click();
  }
  throw new Error(`no ${selector} with ${String(text)}`);
}

async function fieldError(page: Page, formId: string) {
  await page.waitForSelector(`#${formId} .error`, { timeout: 20_000 });
  return page.$eval(`#${formId} .field.invalid`, (e) => ({
    field: e.querySelector('label, .label')?.textContent ?? '',
    text: e.querySelector('.error')?.textContent ?? '',
  }));
}

btest('launch chromium headless; the login form has a password field named token; a wrong token is refused', async (ctx) => {
  ctx.browser = await puppeteer.launch({
    executablePath: CHROMIUM!,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--disable-extensions'],
  });
  const page = (ctx.page = await ctx.browser.newPage());
  await page.setViewport({ width: 1280, height: 900 });
  const origin = new URL(ctx.srv!.url).origin;
  page.on('pageerror', (e) => ctx.problems.push(`pageerror: ${e instanceof Error ? e.message : String(e)}`));
  page.on('console', (m) => {
    // the browser's own network log of an answer the test provoked (401 login, 400 bad input) is not a script error
    if (m.type() === 'error' && !/Failed to load resource: the server responded with a status of 4\d\d/.test(m.text())) {
      ctx.problems.push(`console: ${m.text()}`);
    }
  });
  page.on('request', (r) => {
    const u = r.url();
    if (!u.startsWith('data:') && new URL(u).origin !== origin) ctx.problems.push(`request to another origin: ${u}`);
  });
  page.on('dialog', (d) => void d.accept());
  await page.goto(`${ctx.srv!.url}/ui/`, { waitUntil: 'networkidle0' });
  await page.waitForSelector('#login-form input[name="token"][type="password"]');
  await shot(page, '01-login');
  await checkFormsAccessible(page, 'login');
  await page.type('#login-token', 'not-the-token');
  await page.click('#login-form button[type="submit"]');
  await page.waitForFunction(() => /invalid token/.test(document.querySelector('#login-form .error')?.textContent ?? ''));
  assert.not.ok(page.url().includes('token'), 'no token in the URL');
});

btest('log in: the overview shows Podman, the node and live charts that update without a reload', async (ctx) => {
  const page = ctx.page!;
  await page.$eval('#login-token', (e) => ((e as HTMLInputElement).value = ''));
  await page.type('#login-token', TOKEN);
  await page.click('#login-form button[type="submit"]');
  await page.waitForSelector('#chart-calls');
  assert.not.ok(page.url().includes(TOKEN));
  const cookies = await page.cookies();
  const session = cookies.find((c) => c.name === 'podfn_console');
  assert.ok(session && session.httpOnly && session.sameSite === 'Strict', JSON.stringify(cookies));
  assert.ok(!session.value.includes(TOKEN));
  assert.is(await page.evaluate(() => document.cookie), '', 'the session cookie is not readable by script');
  await page.waitForFunction(() => /rootless|rootful/.test(document.querySelector('#card-podman')?.textContent ?? ''), { timeout: 30_000 });
  await page.waitForFunction(() => /this node/.test(document.querySelector('#card-nodes')?.textContent ?? ''), { timeout: 30_000 });
  const first = await page.$eval('#chart-calls', (e) => Number(e.getAttribute('data-last')));
  await page.waitForFunction((t: number) => Number(document.querySelector('#chart-calls')?.getAttribute('data-last')) > t, { timeout: 30_000 }, first);
  await page.waitForFunction(() => Number(document.querySelector('#chart-calls')?.getAttribute('data-points')) >= 2, { timeout: 30_000 });
  assert.ok((await page.$$('#chart-calls canvas')).length > 0, 'uPlot drew a canvas');
  await shot(page, '02-overview');
});

btest('apps: bad input shows the API message at the field and creates nothing; then create the app with config', async (ctx) => {
  const page = ctx.page!;
  await page.goto(`${ctx.srv!.url}/ui/#/apps`, { waitUntil: 'networkidle0' });
  await page.waitForSelector('#new-app');
  await page.click('#new-app');
  await page.waitForSelector('#app-new-name');
  await checkFormsAccessible(page, 'new app');
  const before = (await apiGet(ctx, '/v1/apps')).text;
  await page.type('#app-new-name', 'bad name!');
  await page.click('#app-new button[type="submit"]');
  const err = await fieldError(page, 'app-new');
  assert.match(err.field, /name/);
  const api = await ctx.api!.req('POST', '/v1/apps', { app: { name: 'bad name!' } }, { headers: auth });
  assert.is(err.text, api.json<{ error: { message: string } }>().error.message, 'the API message, as is');
  assert.is((await apiGet(ctx, '/v1/apps')).text, before, 'nothing changed');
  await shot(page, '03-app-bad-input');
  await page.$eval('#app-new-name', (e) => ((e as HTMLInputElement).value = ''));
  await page.type('#app-new-name', APP);
  // config as key/value rows
  await clickText(page, '#app-new button', '+ key');
  await page.type('#app-new [aria-label="config 1 name"]', 'GREETING');
  await page.type('#app-new [aria-label="config 1 value"]', 'hello');
  await page.click('#app-new button[type="submit"]');
  await page.waitForFunction((a: string) => document.querySelector('h1')?.textContent === `App ${a}`, {}, APP);
  const app = (await apiGet(ctx, `/v1/apps/${APP}`)).json<{ app: { config: Record<string, string> } }>().app;
  assert.equal(app.config, { GREETING: 'hello' });
  await page.waitForSelector('#app-config');
  await shot(page, '04-app');
});

btest('routes: a bad memory value shows the API message at memory and creates nothing; the route form has every API field; create a route', async (ctx) => {
  const page = ctx.page!;
  await page.click('#new-route');
  await page.waitForSelector('#route-new-image');
  // every field of the API's route body is in the form
  const doc = (await apiGet(ctx, '/v1/openapi.json')).json<{
    components: { schemas: Record<string, { properties: { route: { properties: Record<string, unknown> } } }> };
  }>();
  for (const name of Object.keys(doc.components.schemas.RouteBody!.properties.route.properties)) {
    assert.ok(await page.$(`#route-new-${name}`), `route field ${name} in the form`);
  }
  assert.is(await page.$eval('#route-new-jwt_key', (e) => (e as HTMLInputElement).type), 'password', 'jwt_key is write-only');
  await checkFormsAccessible(page, 'new route');
  await page.type('#route-new-path', '/hello');
  await page.type('#route-new-image', image('busybox'));
  await page.type('#route-new-memory', '99999999');
  await page.click('#route-new button[type="submit"]');
  const err = await fieldError(page, 'route-new');
  assert.match(err.field, /memory/);
  assert.match(err.text, /memory/);
  assert.is((await apiGet(ctx, `/v1/apps/${APP}/routes/hello`)).status, 404, 'no route created');
  await shot(page, '05-route-bad-input');
  await page.$eval('#route-new-memory', (e) => ((e as HTMLInputElement).value = ''));
  await page.type('#route-new-memory', '64');
  await page.select('#route-new-format', 'default');
  // a cold shell function: its body is the script; its stderr is the call's log. The answer's type as a route header row
  await clickText(page, '#route-new button', '+ header');
  await page.type('#route-new [aria-label="headers 1 name"]', 'Content-Type');
  await page.type('#route-new [aria-label="headers 1 value"]', 'application/json');
  await page.click('#route-new button[type="submit"]');
  await page.waitForSelector('#route-detail');
  const route = (await apiGet(ctx, `/v1/apps/${APP}/routes/hello`)).json<{ route: { image: string; memory: number; headers?: Record<string, string[]> } }>()
    .route;
  assert.is(route.image, image('busybox'));
  assert.equal(route.headers, { 'Content-Type': ['application/json'] });
  assert.is(route.memory, 64);
  await shot(page, '06-route');
});

btest('try it: the call answers with status, body, time and a call id that leads to the call record and its log', async (ctx) => {
  const page = ctx.page!;
  await checkFormsAccessible(page, 'route page (try it)');
  await page.$eval('#try-body', (e) => ((e as HTMLTextAreaElement).value = ''));
  await page.type('#try-body', `echo '{"name":"console"}'; echo console-log-line >&2`);
  await page.$eval('#try-content-type', (e) => ((e as HTMLInputElement).value = ''));
  await page.type('#try-content-type', 'text/plain');
  await page.type('#try-headers', 'X-Console-Test: 1');
  await page.click('#try-send');
  await page.waitForSelector('#try-status', { timeout: 120_000 });
  assert.match(await page.$eval('#try-status', (e) => e.textContent ?? ''), /^200/);
  assert.match(await page.$eval('#try-body-out', (e) => e.textContent ?? ''), /"name": "console"/, 'pretty JSON');
  assert.match(await page.$eval('#try-ms', (e) => e.textContent ?? ''), /\d+ ms/);
  const callId = await page.$eval('#try-call', (e) => e.textContent ?? '');
  assert.ok(callId.length > 10);
  await shot(page, '07-try-it');
  // the route's call history lists it (the recorder writes records off the request path: wait)
  await waitFor(
    async () => {
      // the list loads when the filter changes: go through "any" so each try loads it again
      await page.select('#calls-status', '');
      await page.select('#calls-status', 'success');
      await new Promise((r) => setTimeout(r, 200));
      return page.$$eval('#calls-table a', (as, id) => as.some((a) => a.textContent === id), callId);
    },
    30_000,
    'the call in the route history',
    500,
  );
  await page.select('#calls-status', 'error');
  await page.waitForFunction((id: string) => ![...document.querySelectorAll('#calls-table a')].some((a) => a.textContent === id), {}, callId);
  await page.select('#calls-status', '');
  await page.click('#try-call');
  await page.waitForSelector('#call-detail');
  await page.waitForFunction(() => /console-log-line/.test(document.querySelector('#call-log')?.textContent ?? ''), { timeout: 30_000 });
  assert.match(await page.$eval('#call-detail', (e) => e.textContent ?? ''), /success/);
  await shot(page, '08-call');
  // the app's call history
  await page.goto(`${ctx.srv!.url}/ui/#/apps/${APP}/calls`, { waitUntil: 'networkidle0' });
  await page.waitForFunction((id: string) => [...document.querySelectorAll('#calls-table a')].some((a) => a.textContent === id), {}, callId);
  await checkFormsAccessible(page, 'app calls');
  await shot(page, '09-app-calls');
});

btest('the chart shows the calls; edit the route (jwt_key write-only) and the app config; delete both', async (ctx) => {
  const page = ctx.page!;
  // some traffic for the charts: a few seconds of hot calls
  const until = Date.now() + 4000;
  while (Date.now() < until) await ctx.api!.post(`/r/${APP}/hello`, `echo '{"name":"chart"}'`);
  await page.goto(`${ctx.srv!.url}/ui/#/`, { waitUntil: 'networkidle0' });
  await page.waitForFunction((a: string) => (document.querySelector('#chart-calls')?.textContent ?? '').includes(`${a}/hello`), { timeout: 30_000 }, APP);
  await page.waitForFunction(() => !/…/.test(document.querySelector('#card-counts')?.textContent ?? '…'), { timeout: 30_000 });
  await page.waitForFunction(() => /rootless|rootful/.test(document.querySelector('#card-podman')?.textContent ?? ''), { timeout: 30_000 });
  await page.waitForFunction(() => Number(document.querySelector('#chart-nodes')?.getAttribute('data-points')) >= 3, { timeout: 30_000 });
  await shot(page, '10-overview-with-calls');
  await page.goto(`${ctx.srv!.url}/ui/#/apps/${APP}/route/${encodeURIComponent('/hello')}`, { waitUntil: 'networkidle0' });
  await page.waitForSelector('#edit-route');
  await page.click('#edit-route');
  await page.waitForSelector('#route-edit-image');
  assert.is(await page.$eval('#route-edit-jwt_key', (e) => (e as HTMLInputElement).value), '', 'secret never filled in');
  assert.ok(await page.$eval('#route-edit-path', (e) => (e as HTMLInputElement).disabled), 'the path cannot change');
  await checkFormsAccessible(page, 'edit route');
  await page.$eval('#route-edit-timeout', (e) => ((e as HTMLInputElement).value = ''));
  await page.type('#route-edit-timeout', '45');
  await page.type('#route-edit-jwt_key', 'k'.repeat(40));
  await page.click('#route-edit button[type="submit"]');
  await page.waitForSelector('#route-detail');
  const route = (await apiGet(ctx, `/v1/apps/${APP}/routes/hello`)).json<{ route: { timeout: number; memory: number; jwt_protected?: boolean } }>().route;
  assert.is(route.timeout, 45);
  assert.is(route.memory, 64, 'untouched fields stay');
  assert.is(route.jwt_protected, true);
  assert.not.ok((await page.content()).includes('k'.repeat(40)), 'the key is not shown back');
  await shot(page, '11-route-edited');
  // the route's history (when the API has it): the edit is version 2; roll back to 1
  if ((await apiGet(ctx, `/v1/apps/${APP}/routes/hello/history`)).status === 200) {
    await page.waitForFunction(() => /Roll back to 1/.test(document.querySelector('#route-history')?.textContent ?? ''), { timeout: 20_000 });
    await clickText(page, '#route-history button', 'Roll back to 1');
    await waitFor(
      async () => (await apiGet(ctx, `/v1/apps/${APP}/routes/hello`)).json<{ route: { timeout: number } }>().route.timeout === 30,
      20_000,
      'the rollback to version 1',
    );
    await page.waitForFunction(() => /rollback of 1/.test(document.querySelector('#route-history')?.textContent ?? ''), { timeout: 20_000 });
    await shot(page, '11b-route-history');
  }
  // app config: change a value, remove none
  await page.goto(`${ctx.srv!.url}/ui/#/apps/${APP}`, { waitUntil: 'networkidle0' });
  await page.waitForSelector('#edit-app');
  await page.click('#edit-app');
  await page.waitForSelector('#app-edit [aria-label="config 1 value"]');
  await checkFormsAccessible(page, 'edit app');
  await page.$eval('#app-edit [aria-label="config 1 value"]', (e) => ((e as HTMLInputElement).value = ''));
  await page.type('#app-edit [aria-label="config 1 value"]', 'bonjour');
  await page.click('#app-edit button[type="submit"]');
  await page.waitForSelector('#app-config');
  assert.equal((await apiGet(ctx, `/v1/apps/${APP}`)).json<{ app: { config: Record<string, string> } }>().app.config, { GREETING: 'bonjour' });
  // delete: the route, then the app
  await page.goto(`${ctx.srv!.url}/ui/#/apps/${APP}/route/${encodeURIComponent('/hello')}`, { waitUntil: 'networkidle0' });
  await page.waitForSelector('#delete-route');
  await page.click('#delete-route');
  await page.waitForFunction((a: string) => document.querySelector('h1')?.textContent === `App ${a}`, {}, APP);
  assert.is((await apiGet(ctx, `/v1/apps/${APP}/routes/hello`)).status, 404);
  await page.waitForSelector('#delete-app');
  await page.click('#delete-app');
  await page.waitForFunction(() => document.querySelector('h1')?.textContent === 'Apps');
  assert.is((await apiGet(ctx, `/v1/apps/${APP}`)).status, 404);
  await checkFormsAccessible(page, 'apps');
  await shot(page, '12-apps');
});

btest('log out: back to the login form; the old session no longer reaches the API', async (ctx) => {
  const page = ctx.page!;
  await page.click('#logout');
  await page.waitForSelector('#login-form');
  const status = await page.evaluate(async () => (await fetch('/v1/apps')).status);
  assert.is(status, 401);
});

btest('no page errors, no console errors, no request to another origin on any page', (ctx) => {
  assert.equal(ctx.problems, []);
});

test.run();
