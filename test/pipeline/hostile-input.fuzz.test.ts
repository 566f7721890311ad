/**
 * Property-based fuzzing of every write route and every query parameter (fast-check): generated
 * hostile events (deep nesting, reserved keys, lone surrogates, invalid UTF-8, huge strings,
 * numbers out of range, wrong types, clocks far off) mixed with valid events. Asserted for every
 * request: no 5xx, each valid event of an acknowledged batch accepted; and at the end: the
 * instance is healthy, no prototype is polluted, memory stayed bounded, and every valid event
 * was counted exactly once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { startEmbeddedInstance, type EmbeddedInstance } from '../../src/deploy/embedded.ts';
import { buildApp } from '../../src/serving/app.ts';

/** A part of a request body: raw bytes, and whether it is one valid event. */
interface Part {
  readonly bytes: Buffer;
  readonly valid: boolean;
  readonly item?: string;
}

const now = Date.now();
let nextId = 0;
const ITEMS = 20;

/** A valid click with a unique id on one of ITEMS items. */
const validEvent = fc.nat({ max: ITEMS - 1 }).map((k): Part => {
  const event = { event_id: `fz-${nextId++}`, user_id: `u${k % 5}`, session_id: 's', timestamp: now - k * 1000, event_type: 'click', content_id: `fz${k}` };
  return { bytes: Buffer.from(JSON.stringify(event)), valid: true, item: `fz${k}` };
});

const base = { user_id: 'u', session_id: 's', timestamp: now, event_type: 'click', content_id: 'c' };
const text = (s: string): Part => ({ bytes: Buffer.from(s), valid: false });

function nested(depth: number, array: boolean): string {
  return array ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/** Events no instance may take, each still a well-delimited JSON element or line. */
const hostileEvent: fc.Arbitrary<Part> = fc.oneof(
  fc.tuple(fc.integer({ min: 9, max: 3000 }), fc.boolean()).map(([d, arr]) => text(JSON.stringify(base).replace(/}$/, `,"properties":${nested(d, arr)}}`))),
  fc.tuple(fc.constantFrom('__proto__', 'constructor', 'prototype'), fc.boolean()).map(([key, deep]) =>
    text(deep ? JSON.stringify(base).replace(/}$/, `,"properties":{"x":{"${key}":{"polluted":1}}}}`) : `{"${key}":{"polluted":1},${JSON.stringify(base).slice(1)}`),
  ),
  fc.constantFrom('\\ud800', '\\udfff', 'a\\udc00b').map((s) => text(JSON.stringify(base).replace('"u"', `"${s}"`))),
  fc.constantFrom([0xff], [0xc3, 0x28], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80]).map((bad): Part => {
    const [head, tail] = JSON.stringify({ ...base, x: '@' }).split('@');
    return { bytes: Buffer.concat([Buffer.from(head), Buffer.from(bad), Buffer.from(tail)]), valid: false };
  }),
  fc.integer({ min: 9000, max: 70_000 }).map((n) => text(JSON.stringify({ ...base, properties: { s: 'x'.repeat(n) } }))),
  fc.constantFrom('1e400', '-1e400', '1e308', '-5', '1.5', '9007199254740993', '"9999-12-31T23:59:59Z"', '"2031-01-01T00:00:00Z"', '0', '"1970-01-01T00:00:00Z"', String(Math.floor(now / 1000)), String(now + 3600_000)).map((ts) =>
    text(JSON.stringify(base).replace(`"timestamp":${now}`, `"timestamp":${ts}`)),
  ),
  fc.constantFrom('1e400', '-1', '"10"', 'null', '1e12').map((d) => text(JSON.stringify({ ...base, event_type: 'dwell' }).replace(/}$/, `,"dwell_ms":${d}}`))),
  fc.integer({ min: 513, max: 3000 }).map((n) => text(JSON.stringify({ ...base, properties: Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i])) }))),
  fc.record({ user_id: fc.jsonValue(), session_id: fc.jsonValue(), timestamp: fc.jsonValue(), event_type: fc.jsonValue(), content_id: fc.jsonValue() }).map((e) => text(JSON.stringify(e))),
  fc.jsonValue().filter((v) => v === null || typeof v !== 'object' || Array.isArray(v)).map((v) => text(JSON.stringify(v))),
  fc.string({ unit: 'binary', maxLength: 40 }).map((s) => text(JSON.stringify({ ...base, user_id: s.length === 0 ? 'x'.repeat(300) : s.repeat(300) }))),
);

const mixedBatch = fc.array(fc.oneof({ weight: 2, arbitrary: validEvent }, { weight: 3, arbitrary: hostileEvent }), { minLength: 1, maxLength: 12 });

describe('hostile input, fuzzed', () => {
  let instance: EmbeddedInstance;
  let app: FastifyInstance;
  const expected = new Map<string, number>();
  let rssBefore = 0;

  before(async () => {
    instance = await startEmbeddedInstance({ dataDir: ':memory:', partitions: 4 });
    app = buildApp({ instance });
    rssBefore = process.memoryUsage().rss;
  });
  after(async () => {
    await app.close();
    await instance.stop();
  });

  it('POST /v1/events (JSON arrays and NDJSON): no 5xx, every valid event of a batch accepted', async () => {
    await fc.assert(
      fc.asyncProperty(mixedBatch, fc.boolean(), async (parts, ndjson) => {
        const payload = ndjson
          ? Buffer.concat(parts.flatMap((p) => [p.bytes, Buffer.from('\n')]))
          : Buffer.concat([Buffer.from('['), ...parts.flatMap((p, i) => (i === 0 ? [p.bytes] : [Buffer.from(','), p.bytes])), Buffer.from(']')]);
        const r = await app.inject({ method: 'POST', url: '/v1/events', headers: { 'content-type': ndjson ? 'application/x-ndjson' : 'application/json' }, payload });
        assert.ok(r.statusCode < 500, `${r.statusCode} ${r.body.slice(0, 300)}`);
        const valid = parts.filter((p) => p.valid);
        const body = r.json() as { accepted?: number; rejected?: { index: number; errors: string[] }[] };
        if (valid.length === 0) return;
        assert.equal(r.statusCode, 202, r.body.slice(0, 300));
        assert.equal(body.accepted, valid.length);
        const rejected = new Set(body.rejected!.map((x) => x.index));
        parts.forEach((p, i) => assert.equal(rejected.has(i), !p.valid, `element ${i}: ${p.bytes.subarray(0, 120).toString()}`));
        for (const rej of body.rejected!) for (const e of rej.errors) assert.match(e, /^\/[^:]*: /, 'each error names its field');
        for (const p of valid) expected.set(p.item!, (expected.get(p.item!) ?? 0) + 1);
      }),
      { numRuns: 300 },
    );
  });

  it('any bytes as a body, on every write route: no 5xx', async () => {
    const routes = [
      { method: 'POST' as const, url: '/v1/events' },
      { method: 'POST' as const, url: '/v1/items' },
      { method: 'PUT' as const, url: '/v1/items/fz1' },
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes),
        fc.constantFrom('application/json', 'application/x-ndjson', 'text/plain'),
        fc.oneof(fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from(b)), hostileEvent.map((p) => p.bytes), fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? 'null'))),
        async (route, type, payload) => {
          const r = await app.inject({ ...route, headers: { 'content-type': type }, payload });
          assert.ok(r.statusCode < 500, `${route.url} ${r.statusCode} ${r.body.slice(0, 300)}`);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('any query string and path parameter on every read route: no 5xx', async () => {
    const paths = ['/v1/recommendations', '/v1/trending', '/v1/items/fz1/similar', '/v1/items/fz1/features', '/v1/users/u1/features', '/v1/stats'];
    const param = fc.oneof(fc.string({ unit: 'binary', maxLength: 30 }), fc.constantFrom('%ED%A0%80', '%FF', '%', '%%', '__proto__', 'constructor', '1e400', '-1', 'NaN', 'x'.repeat(20_000)));
    // Mostly the routes' own names, so that duplicates (which arrive as arrays) are common.
    const key = fc.oneof({ weight: 4, arbitrary: fc.constantFrom('user_id', 'k', 'window', 'exclude', 'category', 'session_id', '__proto__', 'constructor[prototype]') }, { weight: 1, arbitrary: fc.string({ maxLength: 8 }) });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...paths), fc.array(fc.tuple(key, param), { maxLength: 6 }), fc.string({ unit: 'binary', maxLength: 20 }), async (path, pairs, segment) => {
        const query = pairs.map(([k, v]) => `${encodeURIComponent(k)}=${/^%|^%%$/.test(v) ? v : encodeURIComponent(v)}`).join('&');
        const withSegment = path.replace(/fz1|u1/, encodeURIComponent(segment) || 'x');
        const r = await app.inject({ method: 'GET', url: `${withSegment}?${query}` });
        assert.ok(r.statusCode < 500, `${withSegment}?${query.slice(0, 200)} -> ${r.statusCode} ${r.body.slice(0, 300)}`);
      }),
      { numRuns: 400, examples: [['/v1/recommendations', [['user_id', 'a'], ['exclude', 'x'], ['exclude', 'y']], 'x'], ['/v1/recommendations', [['user_id', 'a'], ['user_id', 'b']], 'x']] },
    );
  });

  it('afterwards: healthy, no polluted prototype, memory bounded, every valid event counted once', async () => {
    assert.equal((await app.inject({ url: '/healthz' })).statusCode, 200);
    assert.equal((await app.inject({ url: '/readyz' })).statusCode, 200);
    for (const proto of [Object.prototype, Array.prototype, Function.prototype]) assert.equal((proto as { polluted?: unknown }).polluted, undefined);
    await instance.drained();
    for (const [item, count] of expected) {
      const features = (await app.inject({ url: `/v1/items/${item}/features` })).json() as { interactions_total: number };
      assert.equal(features.interactions_total, count, item);
    }
    assert.ok(expected.size > 0);
    const grown = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
    assert.ok(grown < 512, `resident memory grew by ${grown.toFixed(0)} MiB`);
  });
});
