/**
 * Decoding JSON from outside (HTTP bodies, NDJSON lines, records other producers wrote to a Kafka
 * topic) so that no single input can hurt anyone else: each event or item is decoded and checked on
 * its own, against limits on nesting, size and keys, before schema validation sees it. An input
 * that breaks a limit becomes a `RejectedInput` that names the field; its neighbours in the same
 * batch are kept. Nothing here recurses without a bound, so an event nested 100,000 levels deep is
 * one more rejection, not a stack overflow.
 */

/** Limits on one event or item. */
export interface InputLimits {
  /** Deepest nesting of objects and arrays; the event itself is level 1. */
  readonly maxDepth: number;
  /** Most object keys plus array elements in one input, all levels together. */
  readonly maxNodes: number;
  /** Longest string value, in UTF-16 code units. */
  readonly maxStringLength: number;
  /** Longest object key. */
  readonly maxKeyLength: number;
  /** Largest input as encoded, in bytes (checked where the encoded size is known). */
  readonly maxBytes: number;
  /** Most events or items in one request. */
  readonly maxBatch: number;
}

export const DEFAULT_INPUT_LIMITS: InputLimits = {
  maxDepth: 8,
  maxNodes: 512,
  maxStringLength: 8192,
  maxKeyLength: 128,
  maxBytes: 64 * 1024,
  maxBatch: 10_000,
};

/**
 * Keys that reach `Object.prototype` when code assigns them (`target[key] = value`,
 * `Object.assign`, merges): refused wherever they occur, so no later code has to be careful.
 */
export const RESERVED_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** At most this many error lines per rejected input: a hostile event must not make a huge answer. */
const MAX_ERRORS = 8;

/** An input that could not be taken; `errors` name the fields (`/properties/x: ...`). */
export class RejectedInput {
  constructor(
    readonly errors: readonly string[],
    /** A bounded preview of what was sent, for the dead-letter topic. */
    readonly preview: string,
  ) {}
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** JSON Pointer of a path (RFC 6901 escaping), long keys shortened. */
function pointer(path: readonly (string | number)[]): string {
  let out = '';
  for (const part of path) {
    const s = typeof part === 'number' ? String(part) : part.length > 64 ? `${part.slice(0, 64)}...` : part;
    out += `/${s.replace(/~/g, '~0').replace(/\//g, '~1')}`;
  }
  return out === '' ? '/' : out;
}

/**
 * Checks a parsed value against the limits; returns one line per problem (empty when it is fine).
 * Iterative, and it stops descending at `maxDepth`, so its cost is bounded by `maxNodes`.
 */
export function checkInput(value: unknown, limits: InputLimits = DEFAULT_INPUT_LIMITS): string[] {
  const errors: string[] = [];
  const add = (path: readonly (string | number)[], message: string) => {
    if (errors.length < MAX_ERRORS) errors.push(`${pointer(path)}: ${message}`);
  };
  let nodes = 0;
  const stack: { value: unknown; path: (string | number)[] }[] = [{ value, path: [] }];
  while (stack.length > 0 && errors.length < MAX_ERRORS) {
    const { value: v, path } = stack.pop()!;
    if (typeof v === 'string') {
      if (v.length > limits.maxStringLength) add(path, `is longer than ${limits.maxStringLength} characters`);
      else if (!v.isWellFormed()) add(path, 'is not valid Unicode (a lone surrogate)');
      continue;
    }
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) add(path, 'is out of range (not a finite number)');
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (path.length >= limits.maxDepth) {
      add(path, `is nested deeper than ${limits.maxDepth} levels`);
      continue;
    }
    if (Array.isArray(v)) {
      nodes += v.length;
      if (nodes > limits.maxNodes) {
        add(path, `has more than ${limits.maxNodes} keys and elements in all`);
        break;
      }
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], path: [...path, i] });
      continue;
    }
    const keys = Object.keys(v);
    nodes += keys.length;
    if (nodes > limits.maxNodes) {
      add(path, `has more than ${limits.maxNodes} keys and elements in all`);
      break;
    }
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i];
      const at = [...path, key];
      if (RESERVED_KEYS.has(key)) add(at, 'is a reserved key');
      else if (key.length > limits.maxKeyLength) add(at, `key is longer than ${limits.maxKeyLength} characters`);
      else if (!key.isWellFormed()) add(at, 'key is not valid Unicode (a lone surrogate)');
      else stack.push({ value: (v as Record<string, unknown>)[key], path: at });
    }
  }
  return errors;
}

/** JSON of a value cut at a depth and a length, for dead letters: never throws, never recurses far. */
export function previewOf(value: unknown, maxChars = 2048): string {
  const walk = (v: unknown, depth: number): string => {
    if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
    if (depth >= 8) return Array.isArray(v) ? '[...]' : '{...}';
    if (Array.isArray(v)) return `[${v.slice(0, 32).map((x) => walk(x, depth + 1)).join(',')}${v.length > 32 ? ',...' : ''}]`;
    const keys = Object.keys(v).slice(0, 32);
    return `{${keys.map((k) => `${JSON.stringify(k.slice(0, 128))}:${walk((v as Record<string, unknown>)[k], depth + 1)}`).join(',')}}`;
  };
  const text = walk(value, 0);
  return text.length > maxChars ? `${text.slice(0, maxChars)}...` : text;
}

function textPreview(text: string, maxChars = 2048): string {
  return text.length > maxChars ? `${text.slice(0, maxChars)}...` : text;
}

/** A parsed value that passed the limits, or its rejection. */
function checked(value: unknown, limits: InputLimits): unknown {
  const errors = checkInput(value, limits);
  return errors.length === 0 ? value : new RejectedInput(errors, previewOf(value));
}

/**
 * Decodes one JSON document (an NDJSON line, a Kafka record's value): strict UTF-8, JSON, limits.
 * Returns the value, or a `RejectedInput` saying what is wrong with it.
 */
export function decodeJsonInput(bytes: Uint8Array | string, limits: InputLimits = DEFAULT_INPUT_LIMITS): unknown {
  if (bytes.length > limits.maxBytes) {
    return new RejectedInput([`/: is ${bytes.length} bytes, more than ${limits.maxBytes}`], textPreview(typeof bytes === 'string' ? bytes : Buffer.from(bytes.subarray(0, 2048)).toString('utf8')));
  }
  let text: string;
  if (typeof bytes === 'string') text = bytes;
  else {
    try {
      text = utf8.decode(bytes);
    } catch {
      return new RejectedInput(['/: is not valid UTF-8'], textPreview(Buffer.from(bytes.subarray(0, 2048)).toString('utf8')));
    }
  }
  try {
    return checked(JSON.parse(text), limits);
  } catch {
    return new RejectedInput(['/: is not valid JSON'], textPreview(text));
  }
}

/** A request body that is not JSON at all, even element by element. */
export class MalformedBody extends Error {}

/**
 * Decodes an HTTP JSON body: one value, or an array whose elements are decoded and checked one by
 * one (a bad element becomes a `RejectedInput` in its place). The common case, a valid body, costs
 * one native decode and parse; only a body that fails them is split into its elements.
 * Throws `MalformedBody` when not even that works.
 */
export function decodeJsonBody(bytes: Buffer, limits: InputLimits = DEFAULT_INPUT_LIMITS): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(utf8.decode(bytes));
  } catch {
    return decodeElementwise(bytes, limits);
  }
  if (!Array.isArray(parsed)) return checked(parsed, limits);
  if (parsed.length > limits.maxBatch) throw new MalformedBody(`/: has ${parsed.length} elements, more than ${limits.maxBatch} in one request`);
  return parsed.map((element) => checked(element, limits));
}

/** Decodes an NDJSON body line by line; each line is one input. */
export function decodeNdjsonBody(bytes: Buffer, limits: InputLimits = DEFAULT_INPUT_LIMITS): unknown[] {
  const out: unknown[] = [];
  let start = 0;
  while (start <= bytes.length) {
    let end = bytes.indexOf(0x0a, start);
    if (end === -1) end = bytes.length;
    const line = bytes.subarray(start, end);
    start = end + 1;
    if (isBlank(line)) continue;
    if (out.length >= limits.maxBatch) throw new MalformedBody(`/: has more than ${limits.maxBatch} lines in one request`);
    out.push(decodeJsonInput(line, limits));
  }
  return out;
}

function isBlank(bytes: Uint8Array): boolean {
  for (const b of bytes) if (b !== 0x20 && b !== 0x09 && b !== 0x0d) return false;
  return true;
}

/**
 * The slow path of `decodeJsonBody`: finds the top-level elements of an array by scanning the bytes
 * (strings and nesting tracked; the structural characters are ASCII, so UTF-8 can be scanned
 * bytewise), then decodes each element on its own.
 */
function decodeElementwise(bytes: Buffer, limits: InputLimits): unknown[] {
  let i = skipSpace(bytes, 0);
  if (bytes[i] !== 0x5b /* [ */) throw new MalformedBody(describeFailure(bytes));
  const out: unknown[] = [];
  let depth = 0;
  let inString = false;
  let elementStart = i + 1;
  for (; i < bytes.length; i++) {
    const b = bytes[i];
    if (inString) {
      if (b === 0x5c /* \ */) i++;
      else if (b === 0x22 /* " */) inString = false;
      continue;
    }
    if (b === 0x22) inString = true;
    else if (b === 0x5b || b === 0x7b) depth++;
    else if (b === 0x5d || b === 0x7d) {
      depth--;
      if (depth === 0) {
        pushElement(bytes.subarray(elementStart, i), out, limits, true);
        if (skipSpace(bytes, i + 1) !== bytes.length) throw new MalformedBody('/: has data after the top-level array');
        return out;
      }
    } else if (b === 0x2c /* , */ && depth === 1) {
      pushElement(bytes.subarray(elementStart, i), out, limits, false);
      elementStart = i + 1;
    }
  }
  throw new MalformedBody(describeFailure(bytes));
}

function pushElement(slice: Buffer, out: unknown[], limits: InputLimits, last: boolean): void {
  if (last && out.length === 0 && isBlank(slice)) return; // `[]`
  if (out.length >= limits.maxBatch) throw new MalformedBody(`/: has more than ${limits.maxBatch} elements in one request`);
  out.push(decodeJsonInput(slice, limits));
}

function skipSpace(bytes: Uint8Array, from: number): number {
  let i = from;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)) i++;
  return i;
}

/** Why a whole body failed, as precisely as the native parser says. */
function describeFailure(bytes: Buffer): string {
  try {
    JSON.parse(utf8.decode(bytes));
    return '/: is not valid JSON';
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_ENCODING_INVALID_ENCODED_DATA') return '/: is not valid UTF-8';
    return `/: is not valid JSON (${(error as Error).message.slice(0, 200)})`;
  }
}
