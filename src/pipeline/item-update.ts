/**
 * The item updates the user side of the topology sends to the item side through content_clicks
 * (header `eddy-kind: item-update`), and their validation: the topic is open to every producer of
 * the cluster, so an update is checked as strictly as an event (a NaN weight would poison a
 * co-visitation row for good, a timestamp of 1e308 every window of the item).
 */
import { Ajv } from 'ajv';
import { checkEventTime } from '../events/event-time.ts';
import { EVENT_TYPES, type EventType } from '../events/schema.ts';
import { formatErrors, type EventClock, type Validation } from '../events/validate.ts';

/** An update to one item's state, produced by the user side and routed by item. */
export type ItemUpdate =
  | { readonly k: 'count'; readonly item: string; readonly type: EventType; readonly ts: number; readonly cat?: string }
  | { readonly k: 'pair'; readonly item: string; readonly other: string; readonly w: number };

const id = { type: 'string', minLength: 1, maxLength: 256 } as const;

const itemUpdateSchema = {
  oneOf: [
    {
      type: 'object',
      required: ['k', 'item', 'type', 'ts'],
      additionalProperties: false,
      properties: {
        k: { const: 'count' },
        item: id,
        type: { enum: EVENT_TYPES },
        ts: { type: 'integer', minimum: 0, maximum: 8.64e15 },
        cat: { type: 'string', minLength: 1, maxLength: 128 },
      },
    },
    {
      type: 'object',
      required: ['k', 'item', 'other', 'w'],
      additionalProperties: false,
      properties: {
        k: { const: 'pair' },
        item: id,
        other: id,
        // Pair weights are products of interaction weights and decays: small positive numbers.
        w: { type: 'number', exclusiveMinimum: 0, maximum: 1e12 },
      },
    },
  ],
} as const;

const validate = new Ajv({ allErrors: true, strict: false }).compile(itemUpdateSchema);

/** Validates an item update read from content_clicks, its time against `clock`. */
export function validateItemUpdate(input: unknown, clock: EventClock): Validation<ItemUpdate> {
  if (!validate(input)) {
    const errors = formatErrors(validate.errors);
    return { ok: false, errors: errors.length > 0 ? errors : ['/: is not an item update'] };
  }
  const update = input as ItemUpdate;
  if (update.k === 'count') {
    const error = checkEventTime(update.ts, clock.now(), clock.policy);
    if (error !== undefined) return { ok: false, errors: [error.replace('/timestamp', '/ts')] };
  }
  return { ok: true, value: update };
}
