import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateEvent, validateItem } from '../../src/events/validate.ts';
import { enrich, localTime } from '../../src/events/enrich.ts';

const valid = { user_id: 'u', session_id: 's', timestamp: '2026-11-28T10:00:00.000Z', event_type: 'click', content_id: 'c' };

test('a valid event passes, with RFC 3339 or epoch-ms timestamps', () => {
  assert.ok(validateEvent(valid).ok);
  assert.ok(validateEvent({ ...valid, timestamp: 1764324000000 }).ok);
});

test('every error names its field', () => {
  const r = validateEvent({ session_id: 's', timestamp: 'yesterday', event_type: 'teleport', device_type: 'phone', location: 'germany' });
  assert.equal(r.ok, false);
  const errors = (r as { errors: string[] }).errors;
  for (const field of ['/user_id: is required', '/timestamp:', '/event_type: must be one of', '/device_type: must be one of', '/location:']) {
    assert.ok(errors.some((e) => e.startsWith(field)), `${field} in ${errors.join(' | ')}`);
  }
});

test('content events need content_id; session events do not', () => {
  const { content_id: _c, ...noContent } = valid;
  assert.deepEqual(validateEvent(noContent), { ok: false, errors: ['/content_id: is required'] });
  assert.ok(validateEvent({ ...noContent, event_type: 'session_start' }).ok);
});

test('non-objects are rejected with a reason', () => {
  assert.deepEqual(validateEvent('hello'), { ok: false, errors: ['/: must be a JSON object'] });
  assert.deepEqual(validateEvent([1]), { ok: false, errors: ['/: must be a JSON object'] });
});

test('items need content_id', () => {
  assert.deepEqual(validateItem({ category: 'x' }), { ok: false, errors: ['/content_id: is required'] });
});

test('enrichment: local time in the user zone, device capabilities, catalogue category', () => {
  assert.deepEqual(localTime(Date.parse('2026-11-28T23:30:00Z'), 'Europe/Berlin'), { hour: 0, day: 0 });
  assert.deepEqual(localTime(Date.parse('2026-11-28T23:30:00Z'), undefined), { hour: 23, day: 6 });
  const e = enrich({ ...valid, event_type: 'click', device_type: 'mobile', timezone: 'America/New_York' } as never, { categoryOf: () => 'sports' });
  assert.equal(e.category, 'sports');
  assert.equal(e.deviceCaps.touch, true);
  assert.equal(e.hourOfDay, 5);
});
