/**
 * A validated catalogue item as a wire-format record (schema id ITEM_V1_SCHEMA_ID), and back, with
 * the same rule as events: the decoded item has exactly the keys its JSON would have parsed to.
 */
import type { CatalogItem } from '../schema.ts';
import { extraOf, propertiesOf } from './json-value.ts';
import { ITEM_V1_SCHEMA_ID, READER_TYPES, type KnownSchemas } from './known-schemas.ts';
import { decodeBody, encodeBody } from './record-body.ts';
import { ITEM_V1_AVRO } from './schemas.ts';


interface ItemBody {
  content_id: string;
  category: string | null;
  tags: string[] | null;
  published_at: number | string | null;
  title: string | null;
  properties: Record<string, unknown> | null;
  extra: Record<string, unknown>;
}

const FIELDS: ReadonlySet<string> = new Set(ITEM_V1_AVRO.fields.map((f) => f.name));

/** The wire-format record of a validated item; throws for a value with no faithful encoding. */
export function encodeItemRecord(item: CatalogItem): Buffer {
  const body: ItemBody = {
    content_id: item.content_id,
    category: item.category ?? null,
    tags: item.tags ?? null,
    published_at: item.published_at === undefined ? null : item.published_at === 0 ? 0 : item.published_at,
    title: item.title ?? null,
    properties: propertiesOf(item.properties),
    // Keys beyond schema v1 (the JSON Schema allows them) travel in `extra`.
    extra: extraOf(item as unknown as Record<string, unknown>, FIELDS),
  };
  return encodeBody(READER_TYPES.item, ITEM_V1_SCHEMA_ID, body);
}

/** The item of a wire-format record; EDDY_UNKNOWN_SCHEMA_ID or EDDY_CORRUPT_RECORD when it has none. */
export function decodeItemRecord(bytes: Buffer, schemas?: KnownSchemas): CatalogItem {
  const body = decodeBody(bytes, 'item', schemas) as ItemBody;
  const item = {} as CatalogItem & Record<string, unknown>;
  for (const key in body.extra) if (!FIELDS.has(key)) item[key] = body.extra[key];
  item.content_id = body.content_id;
  if (body.category !== null) item.category = body.category;
  if (body.tags !== null) item.tags = body.tags;
  if (body.published_at !== null) item.published_at = body.published_at;
  if (body.title !== null) item.title = body.title;
  if (body.properties !== null) item.properties = body.properties;
  return item;
}
