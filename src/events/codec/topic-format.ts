/**
 * The record format of each input topic, chosen in config (`topicFormats`): what the processor
 * takes from the topic and what eddy's own ingest writes to it.
 * - `auto` (default): the first byte decides; the magic byte 0 is the Confluent wire format (Avro
 *   with a registered schema id), anything else is JSON. eddy writes the wire format.
 * - `avro`: only the wire format; a record that is not is dead-lettered. eddy writes the wire format.
 * - `json`: only JSON; a record in the wire format is dead-lettered. eddy writes JSON, for topics
 *   that other consumers read as JSON.
 * The item updates eddy routes through content_clicks (header `eddy-kind: item-update`) are its
 * own internal records and keep their one encoding whatever the topic's format.
 */
import { isWireFormat } from './wire-format.ts';

export const TOPIC_FORMATS = ['auto', 'avro', 'json'] as const;
export type TopicFormat = (typeof TOPIC_FORMATS)[number];

/** The input topics whose format can be chosen, by their names without the prefix. */
export const FORMATTED_TOPICS = ['user_interactions', 'content_clicks', 'content_catalog'] as const;
export type FormattedTopic = (typeof FORMATTED_TOPICS)[number];

/** Format per input topic; a topic not named is `auto`. */
export type TopicFormats = Readonly<Partial<Record<FormattedTopic, TopicFormat>>>;

/** How one record is to be read, or why its topic's format refuses it. */
export type ReadAs = { readonly as: 'avro' | 'json' } | { readonly refused: string };

const AVRO: ReadAs = { as: 'avro' };
const JSON_: ReadAs = { as: 'json' };

/** How a record of `topic` with these bytes is read under `formats`. */
export function readAs(value: Buffer, topic: FormattedTopic, formats: TopicFormats): ReadAs {
  const wire = isWireFormat(value);
  const format = formats[topic] ?? 'auto';
  if (format === 'auto') return wire ? AVRO : JSON_;
  if (format === 'avro') return wire ? AVRO : { refused: `/: is not in the Confluent wire format (magic byte 0), which ${topic} takes (topicFormats: avro)` };
  return wire ? { refused: `/: is in the Confluent wire format, but ${topic} takes JSON (topicFormats: json)` } : JSON_;
}

/** True when eddy's own ingest writes JSON (not the wire format) to `topic`. */
export function writesJson(topic: FormattedTopic, formats: TopicFormats): boolean {
  return formats[topic] === 'json';
}
