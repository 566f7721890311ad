import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runSimulation } from '../../src/sim/runner.ts';
import type { SimulateOptions } from '../../src/sim/args.ts';

interface FakeItem {
  content_id: string;
  category: string;
}

/** A stand-in for eddy that records what it is sent; answers 503 to the first `fail503` event posts. */
async function fakeEddy(fail503 = 0) {
  const state = { items: [] as FakeItem[], eventIds: new Set<string>(), eventPosts: 0, got503: 0, recs: 0, paths: new Set<string>() };
  let failLeft = fail503;
  const body = async (req: IncomingMessage): Promise<unknown> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  };
  const json = (res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(value));
  };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    state.paths.add(`${req.method} ${url.pathname}`);
    void (async () => {
      if (req.method === 'POST' && url.pathname === '/v1/items') {
        state.items.push(...((await body(req)) as FakeItem[]));
        return json(res, 202, { accepted: state.items.length });
      }
      if (req.method === 'POST' && url.pathname === '/v1/events') {
        const events = (await body(req)) as { event_id: string }[];
        if (failLeft > 0) {
          failLeft -= 1;
          state.got503 += 1;
          return json(res, 503, { error: 'overloaded' }, { 'retry-after': '1' });
        }
        state.eventPosts += 1;
        let duplicates = 0;
        for (const e of events) {
          if (state.eventIds.has(e.event_id)) duplicates += 1;
          state.eventIds.add(e.event_id);
        }
        return json(res, 202, { accepted: events.length - duplicates, duplicates, rejected: [] });
      }
      if (req.method === 'GET' && url.pathname === '/v1/recommendations') {
        state.recs += 1;
        const picked = Array.from({ length: 10 }, () => state.items[Math.floor(Math.random() * state.items.length)]);
        const items = picked.map((it) => ({ content_id: it.content_id, score: 0.5, category: it.category, reasons: ['random'] }));
        return json(res, 200, { user_id: url.searchParams.get('user_id'), request_id: 'r', items, generated_at: new Date().toISOString() });
      }
      json(res, 404, { error: 'not found' });
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, state, close: () => new Promise<void>((r) => server.close(() => r())) };
}

function options(url: string, extra: Partial<SimulateOptions> = {}): SimulateOptions {
  return { url, users: 50, items: 200, rate: 200, durationMs: 1500, seed: 42, drainMs: 8000, ...extra };
}

test('sends the catalogue, events near the target rate and recommendation requests, nothing else', async () => {
  const fake = await fakeEddy();
  const out: string[] = [];
  const progress: string[] = [];
  try {
    const summary = await runSimulation(options(fake.url), { log: (l) => progress.push(l), out: (l) => out.push(l) });
    assert.equal(fake.state.items.length, 200);
    const sent = fake.state.eventIds.size;
    assert.ok(sent >= 150 && sent <= 450, `sent ${sent} events for 200/s over 1.5 s`);
    assert.equal(summary.events_sent, sent);
    assert.equal(summary.events_accepted, sent);
    assert.equal(summary.events_unsent, 0);
    assert.ok(fake.state.eventPosts >= 5, 'events go in several batches, not one');
    assert.ok(fake.state.recs >= 5 && summary.rec_requests === fake.state.recs);
    assert.ok(summary.rec_p50_ms !== null && summary.post_p99_ms !== null);
    // Random recommendations match the taste about as often as chance.
    if (summary.taste_lift !== null) assert.ok(summary.taste_lift < 2.5, `lift ${summary.taste_lift}`);
    assert.deepEqual([...fake.state.paths].sort(), ['GET /v1/recommendations', 'POST /v1/events', 'POST /v1/items']);
    assert.ok(progress.some((l) => l.startsWith('[1s] events')));
    assert.deepEqual(JSON.parse(out.at(-1) ?? ''), summary);
  } finally {
    await fake.close();
  }
});

test('a 503 with Retry-After is waited out and the batch resent: no event lost', async () => {
  const fake = await fakeEddy(2);
  try {
    const summary = await runSimulation(options(fake.url, { rate: 100 }), { log: () => {}, out: () => {} });
    assert.equal(fake.state.got503, 2);
    assert.ok(summary.retries >= 2);
    assert.ok(summary.events_generated > 0);
    assert.equal(fake.state.eventIds.size, summary.events_generated);
    assert.equal(summary.events_unsent, 0);
  } finally {
    await fake.close();
  }
});

test('an instance that refuses the catalogue fails the run with the status', async () => {
  const fake = await fakeEddy();
  try {
    await assert.rejects(
      runSimulation(options(`${fake.url}/nowhere/`), { log: () => {}, out: () => {} }),
      /catalogue upload: POST \/v1\/items answered 404/,
    );
    assert.deepEqual([...fake.state.paths], ['POST /nowhere/v1/items']);
  } finally {
    await fake.close();
  }
});
