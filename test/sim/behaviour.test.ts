import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Behaviour, type SimEvent } from '../../src/sim/behaviour.ts';
import { SessionPool } from '../../src/sim/pool.ts';
import { Rng } from '../../src/sim/random.ts';
import { createWorld, isTaste } from '../../src/sim/world.ts';
import { validateEvent } from '../../src/events/validate.ts';
import { CONTENT_EVENT_TYPES, DEVICE_TYPES, EVENT_TYPES } from '../../src/events/schema.ts';

const world = createWorld({ users: 100, items: 1000, seed: 11, now: Date.parse('2026-11-28T12:00:00Z') });

function traffic(steps: number, seed = 1): SimEvent[] {
  const rng = new Rng(seed);
  const pool = new SessionPool(world.users, new Behaviour(world, rng, { runId: 't' }), rng, 20);
  const events: SimEvent[] = [];
  for (let i = 0; i < steps; i++) events.push(...pool.next());
  return events;
}

test('at least 70% of views fall in the viewer\'s taste categories', () => {
  const views = traffic(5000).filter((e) => e.event_type === 'view');
  const users = new Map(world.users.map((u) => [u.user_id, u]));
  const inTaste = views.filter((e) => {
    const user = users.get(e.user_id);
    return user !== undefined && isTaste(user, world.itemById.get(e.content_id ?? '')?.category);
  }).length;
  assert.ok(views.length > 1000);
  const share = inTaste / views.length;
  assert.ok(share >= 0.7 && share <= 0.95, `taste share ${share}`);
});

test('taste items are clicked more often than others', () => {
  const events = traffic(5000, 2);
  const users = new Map(world.users.map((u) => [u.user_id, u]));
  const rate = (type: string, taste: boolean): number => {
    const of = events.filter((e) => {
      const user = users.get(e.user_id);
      return e.event_type === type && user !== undefined && isTaste(user, world.itemById.get(e.content_id ?? '')?.category) === taste;
    });
    return of.length;
  };
  assert.ok(rate('click', true) / rate('view', true) > 2 * (rate('click', false) / rate('view', false)));
});

test('every generated event is a valid v1 event with allowed enums and a unique id', () => {
  const events = traffic(3000, 3);
  const types = new Set(events.map((e) => e.event_type));
  for (const t of EVENT_TYPES) assert.ok(types.has(t), `no ${t} event generated`);
  assert.equal(new Set(events.map((e) => e.event_id)).size, events.length);
  for (const e of events) {
    for (const field of ['event_id', 'user_id', 'session_id', 'timestamp', 'event_type', 'device_type', 'location'] as const) {
      assert.ok(e[field] !== undefined && e[field] !== '', `${field} missing in ${JSON.stringify(e)}`);
    }
    assert.ok((DEVICE_TYPES as readonly string[]).includes(e.device_type ?? ''));
    assert.match(e.location ?? '', /^[A-Z]{2}-[A-Z0-9]{1,3}$/);
    assert.equal(new Date(e.timestamp).toISOString(), e.timestamp);
    assert.equal(CONTENT_EVENT_TYPES.has(e.event_type), e.content_id !== undefined);
    if (e.event_type === 'dwell') assert.ok(typeof e.dwell_ms === 'number' && e.dwell_ms > 0);
    const v = validateEvent(e);
    assert.ok(v.ok, JSON.stringify(v));
  }
});

test('a session starts, views, and ends in order', () => {
  const rng = new Rng(4);
  const behaviour = new Behaviour(world, rng, { runId: 't' });
  const { session, events } = behaviour.startSession(world.users[0]);
  for (let i = 0; i < 100 && !session.ended; i++) events.push(...behaviour.step(session));
  assert.equal(events[0].event_type, 'session_start');
  assert.equal(events.at(-1)?.event_type, 'session_end');
  assert.ok(events.every((e) => e.session_id === session.session_id));
  assert.ok(events.filter((e) => e.event_type === 'view').length >= 3);
});

test('users follow served recommendations and click those matching their taste', () => {
  const user = world.users[0];
  const taste = world.byCategory.get(user.tastes[0].category) ?? [];
  const other = world.byCategory.get(world.categories.find((c) => !isTaste(user, c)) ?? '') ?? [];
  const served = [other[5], taste[50], other[6], taste[51]].map((i) => i.content_id);
  let fromRecs = 0;
  let tasteClicks = 0;
  let otherClicks = 0;
  for (let seed = 0; seed < 200; seed++) {
    const behaviour = new Behaviour(world, new Rng(seed), { runId: 't', followRecs: 1 });
    const { session } = behaviour.startSession(user);
    behaviour.serve(session, served);
    const events = behaviour.step(session);
    const id = events[0].content_id ?? '';
    if (served.includes(id)) fromRecs += 1;
    const clicked = events.some((e) => e.event_type === 'click');
    if (clicked && (id === served[1] || id === served[3])) tasteClicks += 1;
    if (clicked && (id === served[0] || id === served[2])) otherClicks += 1;
  }
  assert.equal(fromRecs, 200);
  assert.ok(tasteClicks > 3 * otherClicks, `taste clicks ${tasteClicks}, other ${otherClicks}`);
});
