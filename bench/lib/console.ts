// BENCH_CONSOLE=1: the web console open on the gateway under test for the whole run, in Debian's
// headless chromium (puppeteer-core), on the overview, which polls GET /v1/stats/timeseries, /v1/nodes,
// /readyz, /v1/apps, /v1/routes and /v1/queue every sample interval (PODFN_STATS_INTERVAL_MS, 5 s by
// default; BENCH_GATEWAY_ENV="PODFN_STATS_INTERVAL_MS=1000" polls every second) and redraws its charts.
// The gateway must have its admin API open (the bench's default) so no login is needed.
import fs from 'node:fs';
import puppeteer, { type Browser } from 'puppeteer-core';

export interface OpenConsole {
  /** overview polls seen so far (GET /v1/stats/timeseries answered 200) */
  polls(): number;
  close(): Promise<void>;
}

export async function openConsole(port: number): Promise<OpenConsole> {
  const executablePath = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => fs.existsSync(p));
  if (!executablePath) throw new Error('BENCH_CONSOLE=1 needs chromium (apt-get install chromium)');
  const browser: Browser = await puppeteer.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  let polls = 0;
  page.on('response', (r) => {
    if (r.url().includes('/v1/stats/timeseries') && r.status() === 200) polls++;
  });
  await page.goto(`http://127.0.0.1:${port}/ui/`, { waitUntil: 'networkidle0' });
  await page.waitForSelector('#chart-calls', { timeout: 30_000 });
  return { polls: () => polls, close: () => browser.close() };
}
