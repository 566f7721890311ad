/**
 * Decoding the records the processor reads, both ways, on the same events in the same run: eddy's
 * binary records (Avro decode plus the cheap checks the processor keeps) beside the JSON records
 * ingest wrote before them (`JSON.parse` alone, the floor of any JSON path, and the processor's
 * whole JSON input path: limits, parse, full validation). Run alone: `node --import tsx bench/record-codec.ts`.
 */
import { checkDecodedEvent, decodeEventRecord, encodeEventRecord, type AcceptedEvent } from '../src/events/codec/index.ts';
import { DEFAULT_EVENT_TIME } from '../src/events/event-time.ts';
import { decodeJsonInput } from '../src/events/json-input.ts';
import { validateEvent } from '../src/events/validate.ts';
import { median, round } from './stats.ts';
import { syntheticEvents } from './synthetic-events.ts';

export interface CodecFigures {
  readonly binary_decode_per_sec: number;
  readonly json_parse_per_sec: number;
  readonly json_input_path_per_sec: number;
  readonly binary_encode_per_sec: number;
  readonly json_encode_per_sec: number;
  readonly ratio_binary_to_json_parse: number;
  readonly ratio_binary_to_json_input_path: number;
  readonly binary_bytes_per_event: number;
  readonly json_bytes_per_event: number;
}

/** Events/s of `fn` over every element, timed once. */
function rate<T>(values: readonly T[], fn: (value: T) => unknown): number {
  let sink = 0;
  const t0 = performance.now();
  for (const v of values) if (fn(v) !== undefined) sink++;
  const ms = performance.now() - t0;
  if (sink < 0) throw new Error('unreachable'); // keeps the results alive
  return values.length / (ms / 1000);
}

export function recordCodecBench(options: { events: number; runs: number; log: (s: string) => void }): CodecFigures {
  const now = Date.now();
  const clock = { now: () => now, policy: DEFAULT_EVENT_TIME };
  // As ingest accepts them: a third carry the request_id of a served list in `properties`.
  const events: AcceptedEvent[] = syntheticEvents(options.events, { start: now - options.events }).map((e, i) => ({
    ...e,
    ...(i % 3 === 0 && { properties: { request_id: `r${i}` } }),
    ingested_at: now,
  }));
  const binary = events.map((e) => encodeEventRecord(e));
  const json = events.map((e) => Buffer.from(JSON.stringify(e)));
  const figures: Record<string, number[]> = { binary: [], parse: [], path: [], encode: [], stringify: [] };
  for (let r = 0; r < options.runs; r++) {
    figures.binary.push(rate(binary, (b) => checkDecodedEvent(decodeEventRecord(b), clock) ?? true));
    figures.parse.push(rate(json, (b) => JSON.parse(b.toString('utf8'))));
    figures.path.push(rate(json, (b) => validateEvent(decodeJsonInput(b), clock)));
    figures.encode.push(rate(events, (e) => encodeEventRecord(e)));
    figures.stringify.push(rate(events, (e) => Buffer.from(JSON.stringify(e))));
    options.log(`  run ${r + 1}: binary decode ${Math.round(figures.binary[r])}/s, JSON.parse ${Math.round(figures.parse[r])}/s, JSON input path ${Math.round(figures.path[r])}/s`);
  }
  const m = (k: string) => median(figures[k]);
  return {
    binary_decode_per_sec: Math.round(m('binary')),
    json_parse_per_sec: Math.round(m('parse')),
    json_input_path_per_sec: Math.round(m('path')),
    binary_encode_per_sec: Math.round(m('encode')),
    json_encode_per_sec: Math.round(m('stringify')),
    ratio_binary_to_json_parse: round(m('binary') / m('parse'), 2),
    ratio_binary_to_json_input_path: round(m('binary') / m('path'), 2),
    binary_bytes_per_event: round(binary.reduce((n, b) => n + b.length, 0) / binary.length, 1),
    json_bytes_per_event: round(json.reduce((n, b) => n + b.length, 0) / json.length, 1),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const log = (s: string) => process.stderr.write(`${s}\n`);
  console.log(JSON.stringify(recordCodecBench({ events: 200_000, runs: 5, log })));
}
