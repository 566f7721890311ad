/**
 * The item updates the user side of the topology sends to the item side through content_clicks
 * (header `eddy-kind: item-update`), as records of the codec layer (Avro in the wire format,
 * schema id ITEM_UPDATE_V1_SCHEMA_ID), and their checks: the topic is open to every producer of
 * the cluster, so an update is checked as strictly as an event (a NaN weight would poison a
 * co-visitation row for good, a timestamp of 1e308 every window of the item), whether it comes
 * binary (cheap checks after decoding) or as JSON (an older eddy, another producer: validated).
 */
import { Ajv } from 'ajv';
import { decodeBody, encodeBody, ITEM_UPDATE_TYPE, ITEM_UPDATE_V1_SCHEMA_ID } from '../events/codec/index.ts';
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

/** The binary body: one flat record for both kinds (ITEM_UPDATE_V1_AVRO). */
interface ItemUpdateBody {
  k: 'count' | 'pair';
  item: string;
  type: EventType | null;
  ts: number | null;
  cat: string | null;
  other: string | null;
  w: number | null;
}

/** The wire-format record of an update. */
export function encodeItemUpdateRecord(update: ItemUpdate): Buffer {
  const body: ItemUpdateBody =
    update.k === 'count'
      ? { k: 'count', item: update.item, type: update.type, ts: update.ts, cat: update.cat ?? null, other: null, w: null }
      : { k: 'pair', item: update.item, type: null, ts: null, cat: null, other: update.other, w: update.w };
  return encodeBody(ITEM_UPDATE_TYPE, ITEM_UPDATE_V1_SCHEMA_ID, body);
}

/** The update of a wire-format record; EDDY_UNKNOWN_SCHEMA_ID or EDDY_CORRUPT_RECORD when it has none. Check it with checkDecodedItemUpdate. */
export function decodeItemUpdateRecord(bytes: Buffer): ItemUpdate {
  const b = decodeBody(bytes, 'item-update') as ItemUpdateBody;
  if (b.k === 'pair') return { k: 'pair', item: b.item, other: b.other as string, w: b.w as number };
  return { k: 'count', item: b.item, type: b.type as EventType, ts: b.ts as number, ...(b.cat !== null && { cat: b.cat }) };
}

const COUNT = itemUpdateSchema.oneOf[0].properties;
const PAIR = itemUpdateSchema.oneOf[1].properties;
const isId = (value: unknown): boolean => typeof value === 'string' && value.length >= id.minLength && value.length <= id.maxLength;

/** The problem of a decoded update, as an error line naming the field (what the JSON Schema would say); undefined when there is none. */
export function checkDecodedItemUpdate(update: ItemUpdate, clock: EventClock): string | undefined {
  if (!isId(update.item)) return `/item: must be ${id.minLength} to ${id.maxLength} characters`;
  if (update.k === 'pair') {
    if (!isId(update.other)) return `/other: must be ${id.minLength} to ${id.maxLength} characters`;
    // `!(w > 0)` is also true for NaN and null.
    if (!(update.w > 0) || !(update.w <= PAIR.w.maximum)) return `/w: must be > 0 and <= ${PAIR.w.maximum}`;
    return undefined;
  }
  if ((update.type as unknown) === null) return '/type: is required';
  if (!Number.isInteger(update.ts) || update.ts < COUNT.ts.minimum || update.ts > COUNT.ts.maximum) return `/ts: must be an integer from ${COUNT.ts.minimum} to ${COUNT.ts.maximum}`;
  if (update.cat !== undefined && (update.cat.length < COUNT.cat.minLength || update.cat.length > COUNT.cat.maxLength)) return `/cat: must be ${COUNT.cat.minLength} to ${COUNT.cat.maxLength} characters`;
  return checkEventTime(update.ts, clock.now(), clock.policy)?.replace('/timestamp', '/ts');
}
