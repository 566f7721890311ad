/**
 * The bundled tracker in a real browser (Debian's Chromium driven by playwright-core): a page on
 * one origin (a small static server) tracks events to eddy on another (CORS configured, an API
 * key, so every POST is preflighted). Checks that (a) while eddy answers 503 with Retry-After the
 * page waits as told (the header is readable across origins) and every event then lands exactly
 * once; (b) events still queued when the page is closed, or navigated away from, are delivered
 * by the pagehide flush (fetch with keepalive and the Authorization header); (c) a batch waiting
 * for its retry when the page closes goes out with that flush too, still exactly once.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it, type TestContext } from 'node:test';
import { build } from 'esbuild';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startEmbeddedInstance, type EmbeddedInstance } from '../../src/deploy/embedded.ts';
import { buildApp } from '../../src/serving/app.ts';
import { parseApiKeys } from '../../src/serving/auth.ts';
import { eventually } from '../support/http-client.ts';
import { skipOutsideCi } from '../support/skip.ts';
import { startProxy, type Proxy } from './proxy.ts';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-gpu', '--no-first-run', '--disable-component-update', '--disable-sync'];
const KEYS = parseApiKeys('w1:write,r1:read');
/** Timers fire a little late, never early; some slack for a loaded machine. */
const EARLY_MS = 15;

/** Without Chromium (Debian package `chromium`; .ci/run installs it) the browser tests skip, except in CI. */
function missingChromium(t: TestContext): boolean {
  if (existsSync(CHROMIUM)) return false;
  skipOutsideCi(t, `${CHROMIUM} is not installed (apt-get install chromium)`);
  return true;
}

const PAGE = `<!doctype html><meta charset="utf-8"><title>tracker test</title>
<script type="module">
import { createTracker } from '/tracker.js';
window.createTracker = createTracker;
</script>`;

/** What the page's module script leaves on window, and the tracker a test creates there. */
type PageWindow = {
  createTracker: typeof import('../../sdk/src/index.ts').createTracker;
  tracker: import('../../sdk/src/index.ts').Tracker;
};

describe('tracker in Chromium', { timeout: 60_000 }, () => {
  let instance: EmbeddedInstance;
  let eddy: FastifyInstance;
  let eddyUrl: string;
  let site: Server;
  let siteUrl: string;
  let browser: Browser | undefined;
  const proxies: Proxy[] = [];

  before(async () => {
    // The same bundle as sdk/build.mjs makes, built in memory.
    const bundle = await build({ entryPoints: [new URL('../../sdk/src/index.ts', import.meta.url).pathname], bundle: true, minify: true, format: 'esm', write: false });
    const script = bundle.outputFiles[0].text;
    site = createServer((req, res) => {
      if (req.url === '/tracker.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
      else if (req.url === '/') res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
    instance = await startEmbeddedInstance({ dataDir: ':memory:', processingThread: 'main', commitIntervalMs: 20 });
    // eddy on another port is another origin: the page's POSTs need CORS and a preflight.
    eddy = buildApp({ instance, apiKeys: KEYS, corsOrigins: [siteUrl] });
    eddyUrl = await eddy.listen({ port: 0, host: '127.0.0.1' });
    if (existsSync(CHROMIUM)) browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });
  after(async () => {
    await browser?.close();
    for (const proxy of proxies) await proxy.close();
    await eddy?.close();
    await instance?.stop();
    await new Promise((resolve) => site?.close(resolve));
  });

  const ingested = async (): Promise<number> => (await instance.metrics.eventsIngested.get()).values[0]?.value ?? 0;

  async function interactions(id: string): Promise<number> {
    const r = await eddy.inject({ method: 'GET', url: `/v1/items/${id}/features`, headers: { authorization: 'Bearer r1' } });
    return r.statusCode === 404 ? 0 : (r.json().interactions_total ?? 0);
  }

  /** A page of the site in a fresh context (no cached preflight), its tracker created with `options`. */
  async function trackerPage(url: string, options: Record<string, unknown>): Promise<{ page: Page; errors: string[] }> {
    const context = await browser!.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(siteUrl + '/');
    await page.waitForFunction(() => typeof (window as unknown as PageWindow).createTracker === 'function');
    await page.evaluate(
      ([url, options]) => {
        (window as unknown as PageWindow).tracker = (window as unknown as PageWindow).createTracker({ url, apiKey: 'w1', userId: 'browser-user', ...options });
      },
      [url, options] as const,
    );
    return { page, errors };
  }

  /** Tracks `count` clicks on `item` in the page; returns their event ids. */
  const track = (page: Page, item: string, count: number): Promise<string[]> =>
    page.evaluate(
      ([item, count]) => Array.from({ length: count }, () => (window as unknown as PageWindow).tracker.track({ event_type: 'click', content_id: item }).event_id),
      [item, count] as const,
    );

  /** Waits until eddy has processed `expected` interactions with `item`, and checks there are no more. */
  async function assertLanded(item: string, expected: number): Promise<void> {
    const arrived = await eventually(async () => (await interactions(item)) >= expected, 10_000, 50);
    await instance.drained();
    assert.ok(arrived, `${item}: ${await interactions(item)} of ${expected} interactions arrived`);
    assert.equal(await interactions(item), expected, `${item} counted exactly once`);
  }

  it('waits out 503 with Retry-After across origins, then every event lands exactly once', async (t) => {
    if (missingChromium(t)) return;
    // The first two POSTs get eddy's overload answer, CORS headers included (eddy sends them on errors too).
    const proxy = await startProxy(eddyUrl, (index, headers) =>
      index < 2
        ? {
            kind: 'answer',
            status: 503,
            headers: { 'retry-after': '1', 'access-control-allow-origin': String(headers.origin), 'access-control-expose-headers': 'retry-after', vary: 'Origin' },
            body: { error: 'processing is behind; retry later', code: 'EDDY_OVERLOADED', details: [] },
          }
        : { kind: 'forward' },
    );
    proxies.push(proxy);
    const before = await ingested();
    const { page, errors } = await trackerPage(proxy.url, { batchSize: 10, flushIntervalMs: 100, retryBaseMs: 20, retryMaxMs: 100 });
    const ids = await track(page, 'b-retry', 25);
    await page.evaluate(() => (window as unknown as PageWindow).tracker.flush());
    const stats = await page.evaluate(() => (window as unknown as PageWindow).tracker.stats());
    assert.deepEqual(stats, { sent: 25, dropped: 0, retried: 2, queued: 0 });
    const [first, second, third] = proxy.posts;
    assert.deepEqual([first.decision, second.decision, third.decision], ['answer', 'answer', 'forward']);
    assert.ok(second.at - first.at >= 1000 - EARLY_MS, `Retry-After read and honoured (${Math.round(second.at - first.at)} ms)`);
    assert.ok(third.at - second.at >= 1000 - EARLY_MS, `again (${Math.round(third.at - second.at)} ms)`);
    assert.deepEqual(third.eventIds, first.eventIds, 'the same event ids on every attempt');
    assert.deepEqual(new Set(proxy.posts.flatMap((p) => p.eventIds)), new Set(ids));
    await assertLanded('b-retry', 25);
    assert.equal((await ingested()) - before, 25);
    assert.deepEqual(errors, []);
    await page.context().close();
  });

  it('delivers the events still queued when the page is closed (pagehide, keepalive fetch)', async (t) => {
    if (missingChromium(t)) return;
    const proxy = await startProxy(eddyUrl, () => ({ kind: 'forward' }));
    proxies.push(proxy);
    // A batch that would only go out after a minute.
    const { page } = await trackerPage(proxy.url, { batchSize: 100, flushIntervalMs: 60_000 });
    const ids = await track(page, 'b-close', 7);
    assert.equal(proxy.posts.length, 0, 'nothing sent yet');
    await page.close({ runBeforeUnload: true });
    await assertLanded('b-close', 7);
    assert.deepEqual(proxy.posts.map((p) => p.eventIds), [ids], 'one keepalive request with all of them');
    await page.context().close();
  });

  it('delivers the queued events when the page navigates away', async (t) => {
    if (missingChromium(t)) return;
    const { page } = await trackerPage(eddyUrl, { batchSize: 100, flushIntervalMs: 60_000 });
    await track(page, 'b-navigate', 4);
    await page.goto('about:blank');
    await assertLanded('b-navigate', 4);
    await page.context().close();
  });

  it('flushes when the page is hidden, and counts the answer when the page stays', async (t) => {
    if (missingChromium(t)) return;
    const { page } = await trackerPage(eddyUrl, { batchSize: 100, flushIntervalMs: 60_000 });
    await track(page, 'b-hidden', 3);
    // Headless Chromium is never hidden by itself: the page is told it is (the tracker reads
    // visibilityState). A string, as tsx would wrap a function's named getter in a helper the page lacks.
    await page.evaluate(`Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
      document.dispatchEvent(new Event('visibilitychange'));`);
    await page.waitForFunction(() => (window as unknown as PageWindow).tracker.stats().sent === 3, undefined, { timeout: 10_000 });
    assert.deepEqual(await page.evaluate(() => (window as unknown as PageWindow).tracker.stats()), { sent: 3, dropped: 0, retried: 0, queued: 0 });
    await assertLanded('b-hidden', 3);
    await page.context().close();
  });

  it('sends a batch waiting for its retry with the pagehide flush, still exactly once', async (t) => {
    if (missingChromium(t)) return;
    // The first batch is told to come back in a minute; the page closes long before.
    const proxy = await startProxy(eddyUrl, (index, headers) =>
      index === 0
        ? { kind: 'answer', status: 503, headers: { 'retry-after': '60', 'access-control-allow-origin': String(headers.origin), 'access-control-expose-headers': 'retry-after' }, body: { error: 'not ready', code: 'EDDY_NOT_READY', details: [] } }
        : { kind: 'forward' },
    );
    proxies.push(proxy);
    const { page } = await trackerPage(proxy.url, { batchSize: 3, flushIntervalMs: 60_000 });
    const held = await track(page, 'b-held', 3);
    await page.waitForFunction(() => (window as unknown as PageWindow).tracker.stats().retried === 1);
    const queued = await track(page, 'b-held', 2);
    assert.deepEqual(await page.evaluate(() => (window as unknown as PageWindow).tracker.stats()), { sent: 0, dropped: 0, retried: 1, queued: 5 });
    await page.close({ runBeforeUnload: true });
    await assertLanded('b-held', 5);
    assert.deepEqual(proxy.posts.map((p) => p.eventIds), [held, [...held, ...queued]]);
    await page.context().close();
  });
});
