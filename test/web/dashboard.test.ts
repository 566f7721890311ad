/**
 * The built-in dashboard (web/index.html) in a real browser: an in-process instance listening on
 * a loopback port, a catalogue and live events posted to it, Debian's Chromium driven by
 * playwright-core. Checks that the figures show processed events, that the "try it" box shows a
 * user's recommendations and features, that the page logs no console errors, that it falls back to
 * /metrics when /v1/stats is missing, and that it says so visibly when the server goes away.
 * A screenshot is written to a temp dir (its path is printed).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startEmbeddedInstance, type Instance } from '../../src/deploy/embedded.ts';
import { buildApp } from '../../src/serving/app.ts';
import { skipOutsideCi } from '../support/skip.ts';

const CATEGORIES = ['sports', 'news', 'tech', 'music'];
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-gpu', '--no-first-run', '--disable-component-update', '--disable-sync'];

async function listen(instance: Instance): Promise<{ app: FastifyInstance; base: string }> {
  const app = buildApp({ instance });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, base: address };
}

function watchConsole(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  return errors;
}

const CHROMIUM = '/usr/bin/chromium';

/** Without Chromium (Debian package `chromium`; .ci/run installs it) the browser tests skip, except in CI. */
function missingChromium(t: TestContext): boolean {
  if (existsSync(CHROMIUM)) return false;
  skipOutsideCi(t, `${CHROMIUM} is not installed (apt-get install chromium)`);
  return true;
}

describe('built-in dashboard in Chromium', { timeout: 60_000 }, () => {
  let instance: Instance;
  let browser: Browser;
  let seq = 0;
  let traffic: NodeJS.Timeout | undefined;
  const shots = mkdtempSync(join(tmpdir(), 'eddy-dashboard-'));

  const post = async (base: string, path: string, body: unknown): Promise<number> => {
    const r = await fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    await r.arrayBuffer();
    return r.status;
  };
  const someEvents = (n: number) =>
    Array.from({ length: n }, () => {
      const i = seq++;
      const u = i % 24;
      const item = (u % 4) + 4 * ((i * 7) % 20);
      return { event_id: `ev-${i}`, user_id: `u${u}`, session_id: `s${u}`, timestamp: Date.now(), event_type: i % 3 === 0 ? 'view' : 'click', content_id: `c${item}`, device_type: 'mobile' };
    });

  before(async () => {
    instance = await startEmbeddedInstance({ dataDir: ':memory:' });
    if (existsSync(CHROMIUM)) browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });
  after(async () => {
    if (traffic !== undefined) clearInterval(traffic);
    await browser?.close();
    await instance?.stop();
  });

  it('shows live figures, trending, and a user\'s recommendations with reasons and features', async (t) => {
    if (missingChromium(t)) return;
    const { app, base } = await listen(instance);
    try {
      const items = Array.from({ length: 80 }, (_, i) => ({ content_id: `c${i}`, category: CATEGORIES[i % 4], title: `Item ${i}` }));
      assert.equal(await post(base, '/v1/items', items), 202);
      assert.equal(await post(base, '/v1/events', someEvents(400)), 202);
      // One invalid event, so that the rejected figure is not zero.
      await post(base, '/v1/events', [...someEvents(5), { user_id: 'broken' }]);
      await instance.drained();
      // A trickle of live traffic while the page is open, so that the chart moves.
      traffic = setInterval(() => void post(base, '/v1/events', someEvents(20)).catch(() => undefined), 200);

      const page = await browser.newPage({ viewport: { width: 1360, height: 1000 } });
      const errors = watchConsole(page);
      await page.goto(base + '/');
      await page.waitForFunction(() => {
        const n = Number((document.getElementById('processed')?.textContent ?? '').replace(/,/g, ''));
        return Number.isFinite(n) && n > 0;
      }, undefined, { timeout: 10_000 });
      const processed = Number((await page.textContent('#processed'))!.replace(/,/g, ''));
      const ingested = Number((await page.textContent('#ingested'))!.replace(/,/g, ''));
      assert.ok(processed > 0 && ingested >= 405, `processed ${processed}, ingested ${ingested}`);
      assert.equal(await page.textContent('#rejected'), '1');
      assert.match((await page.textContent('#fresh'))!, /ms|s/);
      await page.waitForSelector('#trending tr', { timeout: 5000 });

      await page.fill('#try-user', 'u1');
      await page.click('#try-go');
      await page.waitForSelector('#recs li', { timeout: 5000 });
      const recs = await page.$$eval('#recs li', (lis) => lis.map((li) => li.textContent ?? ''));
      assert.ok(recs.length >= 5, `recommendations shown: ${JSON.stringify(recs)}`);
      assert.ok((await page.$$('#recs li .chip')).length > 0, 'reasons and categories are shown as chips');
      const features = (await page.textContent('#features')) ?? '';
      assert.match(features, /recent categories/);
      assert.match(features, /category affinity/);

      // Let the events/s chart gather a few points, then keep a picture.
      await page.waitForFunction(() => (document.querySelector('#chart polyline')?.getAttribute('points') ?? '').split(' ').length >= 3, undefined, { timeout: 10_000 });
      assert.notEqual(await page.textContent('#rate'), '–');
      const shot = join(shots, 'dashboard.png');
      await page.screenshot({ path: shot, fullPage: true });
      console.log(`dashboard screenshot: ${shot}`);
      assert.deepEqual(errors, [], 'no console errors');
      assert.equal(await page.isVisible('#banner'), false);

      // The server goes away: the page says so visibly.
      clearInterval(traffic);
      traffic = undefined;
      await app.close();
      await page.waitForSelector('#banner.show', { timeout: 10_000 });
      assert.match((await page.textContent('#banner'))!, /Cannot reach the eddy server/);
      assert.match((await page.textContent('#status-text'))!, /unreachable/);
      await page.screenshot({ path: join(shots, 'dashboard-server-down.png') });
      await page.close();
    } finally {
      if (traffic !== undefined) clearInterval(traffic);
      traffic = undefined;
      await app.close();
    }
  });

  it('falls back to /metrics and /v1/trending when /v1/stats is not there', async (t) => {
    if (missingChromium(t)) return;
    const { app, base } = await listen(instance);
    try {
      const page = await browser.newPage({ viewport: { width: 1360, height: 1000 } });
      // An older server without /v1/stats: the page must fall back to /metrics.
      await page.route('**/v1/stats', (route) => route.fulfill({ status: 404, contentType: 'application/json', body: '{"error":"not found"}' }));
      const errors = watchConsole(page);
      await page.goto(base + '/');
      await page.waitForFunction(() => Number((document.getElementById('processed')?.textContent ?? '').replace(/,/g, '')) > 0, undefined, { timeout: 10_000 });
      await page.waitForSelector('#trending tr', { timeout: 5000 });
      assert.equal(await page.textContent('#source'), '/metrics');
      // The browser logs the one 404 of /v1/stats; nothing else.
      assert.deepEqual(errors.filter((e) => !/404/.test(e)), []);
      await page.close();
    } finally {
      await app.close();
    }
  });
});
