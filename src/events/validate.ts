/**
 * Compiled validators for events and catalogue items. Each error names the field it is about
 * (`/user_id: is required`), so a producer can fix its payload without reading eddy's code.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { checkEventTime, type EventTimePolicy } from './event-time.ts';
import { RejectedInput } from './json-input.ts';
import { eventSchema, itemSchema, EVENT_TYPES, type CatalogItem, type InteractionEvent } from './schema.ts';

// ajv-formats is CommonJS; its default export arrives wrapped under NodeNext resolution.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

export type Validation<T> = { ok: true; value: T } | { ok: false; errors: string[] };

const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
const validateEventFn = ajv.compile(eventSchema);
const validateItemFn = ajv.compile(itemSchema);

// Messages for fields whose raw Ajv errors (several, from anyOf branches) would confuse a reader.
const FIELD_MESSAGES: Record<string, string> = {
  '/timestamp': 'must be an RFC 3339 date-time string or epoch milliseconds',
  '/published_at': 'must be an RFC 3339 date-time string or epoch milliseconds',
  '/event_type': `must be one of ${EVENT_TYPES.join(', ')}`,
};

/** Turns Ajv's errors into one readable line per field, `"/field: problem"`. */
export function formatErrors(errors: ErrorObject[] | null | undefined): string[] {
  const byField = new Map<string, string>();
  for (const e of errors ?? []) {
    if (e.keyword === 'if') continue; // its `then` branch already reported the real problem
    const field =
      e.keyword === 'required' ? `${e.instancePath}/${(e.params as { missingProperty: string }).missingProperty}` : e.instancePath || '/';
    if (byField.has(field)) continue;
    let message: string;
    if (e.keyword === 'required') message = 'is required';
    else if (FIELD_MESSAGES[field] !== undefined) message = FIELD_MESSAGES[field];
    else if (e.keyword === 'enum') message = `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
    else message = e.message ?? 'is invalid';
    byField.set(field, `${field}: ${message}`);
  }
  return [...byField.values()];
}

function run<T>(fn: ValidateFunction, input: unknown): Validation<T> {
  if (input instanceof RejectedInput) return { ok: false, errors: [...input.errors] };
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return { ok: false, errors: ['/: must be a JSON object'] };
  }
  if (fn(input)) return { ok: true, value: input as T };
  return { ok: false, errors: formatErrors(fn.errors) };
}

/** The wall clock an event's time is checked against, and the bounds (see event-time.ts). */
export interface EventClock {
  readonly now: () => number;
  readonly policy: EventTimePolicy;
}

/**
 * Validates one event against the v1 schema and, given a clock, its timestamp against the
 * event-time policy (not too far ahead of `clock.now()`, not before the floor).
 */
export function validateEvent(input: unknown, clock?: EventClock): Validation<InteractionEvent> {
  const result = run<InteractionEvent>(validateEventFn, input);
  if (!result.ok) return result;
  const ms = toEpochMs(result.value.timestamp);
  if (ms === undefined) return { ok: false, errors: [`/timestamp: ${FIELD_MESSAGES['/timestamp']}`] };
  const error = clock === undefined ? undefined : checkEventTime(ms, clock.now(), clock.policy);
  return error === undefined ? result : { ok: false, errors: [error] };
}

/** Validates one catalogue item. */
export function validateItem(input: unknown): Validation<CatalogItem> {
  return run<CatalogItem>(validateItemFn, input);
}

/** Epoch milliseconds of an RFC 3339 string or a number; undefined when unparseable. */
export function toEpochMs(value: string | number | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = typeof value === 'number' ? value : Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}
