// The tracker's parts on their own: ids, backoff, Retry-After, sessions; its event type kept in
// step with eddy's schema; and its sources free of anything Node-only, so they run in browsers.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { DeviceType as ServerDeviceType, EventType as ServerEventType, InteractionEvent } from '../../src/events/schema.ts';
import { parseRetryAfter, retryDelay } from '../../sdk/src/backoff.ts';
import { randomId } from '../../sdk/src/ids.ts';
import { Session } from '../../sdk/src/session.ts';
import type { DeviceType, EventType, SessionStorageLike, TrackEvent } from '../../sdk/src/types.ts';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

// Compile-time: the SDK's event type and eddy's schema say the same (npm run typecheck fails otherwise).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameEventTypes: Same<EventType, ServerEventType> = true;
const sameDeviceTypes: Same<DeviceType, ServerDeviceType> = true;
const sameFields: Same<keyof TrackEvent, keyof InteractionEvent> = true;

function memoryStorage(): SessionStorageLike & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return { map, getItem: (k) => map.get(k) ?? null, setItem: (k, v) => void map.set(k, v) };
}

describe('tracker parts', () => {
  it('keeps its event type in step with the server schema', () => {
    assert.ok(sameEventTypes && sameDeviceTypes && sameFields);
  });

  it('makes UUID v4 ids with randomUUID, with getRandomValues alone, and with no crypto', () => {
    assert.match(randomId(), UUID_V4);
    let filled = 0;
    const onlyRandomValues = {
      getRandomValues<T extends ArrayBufferView | null>(array: T): T {
        filled++;
        return globalThis.crypto.getRandomValues(array as Uint8Array) as unknown as T;
      },
    };
    const ids = new Set(Array.from({ length: 1000 }, () => randomId(onlyRandomValues)));
    assert.equal(filled, 1000);
    assert.equal(ids.size, 1000);
    for (const id of ids) assert.match(id, UUID_V4);
    assert.match(randomId({}), UUID_V4);
  });

  it('backs off exponentially with full jitter, capped, and never below Retry-After', () => {
    assert.equal(retryDelay(0, 500, 30_000, undefined, () => 0.999999), 499.9995);
    assert.equal(retryDelay(3, 500, 30_000, undefined, () => 0.5), 2000);
    assert.equal(retryDelay(20, 500, 30_000, undefined, () => 0.5), 15_000, 'capped at retryMaxMs');
    assert.equal(retryDelay(0, 500, 30_000, 3000, () => 0.5), 3000, 'Retry-After wins over a shorter backoff');
    assert.equal(retryDelay(10, 500, 30_000, 1000, () => 0.5), 15_000, 'a longer backoff wins over Retry-After');
    for (let i = 0; i < 200; i++) {
      const d = retryDelay(4, 100, 30_000, undefined);
      assert.ok(d >= 0 && d < 1600, String(d));
    }
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-12-01T10:00:00Z');
    assert.equal(parseRetryAfter('5', now), 5000);
    assert.equal(parseRetryAfter(' 0 ', now), 0);
    assert.equal(parseRetryAfter('1.5', now), 1500);
    assert.equal(parseRetryAfter('Tue, 01 Dec 2026 10:00:07 GMT', now), 7000);
    assert.equal(parseRetryAfter('Tue, 01 Dec 2026 09:59:00 GMT', now), 0, 'a date in the past: at once');
    assert.equal(parseRetryAfter('soon', now), undefined);
    assert.equal(parseRetryAfter(null, now), undefined);
  });

  it('keeps a session while events come within the gap, renews it after, and keeps it in storage', () => {
    const storage = memoryStorage();
    const gap = 30 * 60_000;
    const session = new Session(gap, storage);
    const t0 = 1_000_000;
    const first = session.id(t0, true);
    assert.match(first, UUID_V4);
    assert.equal(session.id(t0 + 20 * 60_000, true), first);
    assert.equal(session.id(t0 + 45 * 60_000, true), first, 'the gap counts from the last event, not the start');
    assert.equal(session.id(t0 + 45 * 60_000 + gap, false), first, 'exactly the gap is still the session');
    // A reload: a new Session on the same storage goes on with the session.
    assert.equal(new Session(gap, storage).id(t0 + 50 * 60_000, true), first);
    const second = session.id(t0 + 50 * 60_000 + gap + 1, true);
    assert.notEqual(second, first);
    assert.equal(JSON.parse(storage.map.get('eddy.session')!).id, second);
  });

  it('keeps the session in memory when storage throws or holds garbage', () => {
    const broken: SessionStorageLike = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
    };
    const session = new Session(1000, broken);
    const id = session.id(0, true);
    assert.equal(session.id(500, true), id);
    const garbage = memoryStorage();
    garbage.map.set('eddy.session', '{not json');
    assert.match(new Session(1000, garbage).id(0, true), UUID_V4);
  });

  it('imports nothing Node-only, so the bundle runs in browsers', () => {
    const dir = new URL('../../sdk/src/', import.meta.url);
    const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
    assert.ok(files.length >= 5);
    for (const file of files) {
      const text = readFileSync(new URL(file, dir), 'utf8');
      for (const m of text.matchAll(/from\s+'([^']+)'/g)) assert.match(m[1], /^\.\/[\w-]+\.ts$/, `${file} imports ${m[1]}`);
      assert.doesNotMatch(text, /\b(Buffer|process|require)\b[.(]/, `${file} uses a Node global`);
    }
  });
});
