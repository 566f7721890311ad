// Streaming readers for replay logs. Files are read line by line (readline), never parsed whole,
// so a multi-million-line log costs memory for its events only.

import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

/** One interaction of a replayed log; `ts` is epoch milliseconds. */
export interface ReplayEvent {
  userId: string;
  itemId: string;
  ts: number;
  type: string;
  rating?: number;
}

/** What is known about a catalogue item. */
export interface ReplayItem {
  category?: string;
  tags?: string[];
}

/** A parsed log: events in time order (file order for ties) and the catalogue. */
export interface ReplayData {
  events: ReplayEvent[];
  items: Map<string, ReplayItem>;
}

/** Supported `--format` values. */
export type ReplayFormat = 'movielens' | 'jsonl';

/** Genre flag order of MovieLens 100K `u.item` (and `u.genre`). */
export const U_ITEM_GENRES = [
  'unknown', 'Action', 'Adventure', 'Animation', "Children's", 'Comedy', 'Crime', 'Documentary', 'Drama', 'Fantasy',
  'Film-Noir', 'Horror', 'Musical', 'Mystery', 'Romance', 'Sci-Fi', 'Thriller', 'War', 'Western',
] as const;

const CONTENT_EVENTS = new Set(['view', 'click', 'like', 'share', 'dwell']);

async function* lines(path: string, encoding: BufferEncoding = 'utf8'): AsyncGenerator<string> {
  const rl = createInterface({ input: createReadStream(path, { encoding }), crlfDelay: Infinity });
  for await (const line of rl) yield line;
}

/** Splits one CSV line, honouring double quotes (titles like `"American President, The (1995)"`). */
export function splitCsv(line: string): string[] {
  if (!line.includes('"')) return line.split(',');
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

/** Stable sort by time: Array.prototype.sort is stable since ES2019, so ties keep file order. */
function byTime(events: ReplayEvent[]): ReplayEvent[] {
  return events.sort((a, b) => a.ts - b.ts);
}

/**
 * Reads a MovieLens ratings file, telling the layouts apart by the first line: `u.data` is
 * tab-separated without a header (`user item rating unix_seconds`); `ratings.csv` starts with
 * the header `userId,movieId,rating,timestamp`. Every rating is a `view` (an interaction) carrying its rating.
 */
export async function readMovieLensRatings(path: string): Promise<ReplayEvent[]> {
  const events: ReplayEvent[] = [];
  let layout: 'tsv' | 'csv' | null = null;
  let lineNo = 0;
  for await (const raw of lines(path)) {
    lineNo++;
    const line = raw.trim();
    if (line === '') continue;
    if (layout === null) {
      if (line.includes('\t')) layout = 'tsv';
      else if (/^userId,movieId,rating,timestamp/i.test(line)) {
        layout = 'csv';
        continue;
      } else if (line.split(',').length >= 4) layout = 'csv';
      else throw new Error(`${path}:${lineNo}: not a MovieLens ratings file (expected u.data or ratings.csv)`);
    }
    const f = layout === 'tsv' ? line.split('\t') : line.split(',');
    const ts = Number(f[3]) * 1000;
    if (f.length < 4 || !Number.isFinite(ts)) throw new Error(`${path}:${lineNo}: malformed rating line`);
    events.push({ userId: f[0], itemId: f[1], ts, type: 'view', rating: Number(f[2]) });
  }
  return byTime(events);
}

/**
 * Reads a MovieLens items file: `u.item` (latin1, `|`-separated, 19 genre flags last) or
 * `movies.csv` (`movieId,title,genres`, genres `|`-separated). The first genre is the category.
 */
export async function readMovieLensItems(path: string): Promise<Map<string, ReplayItem>> {
  const items = new Map<string, ReplayItem>();
  // latin1 decodes every byte, so the first line is readable in both layouts; movies.csv is
  // UTF-8, so re-read it as such once recognised
  let layout: 'uitem' | 'csv' | null = null;
  for await (const raw of lines(path, 'latin1')) {
    if (raw.trim() === '') continue;
    layout = /^movieId,title,genres/i.test(raw) ? 'csv' : raw.includes('|') ? 'uitem' : 'csv';
    break;
  }
  if (layout === null) return items;
  if (layout === 'uitem') {
    for await (const raw of lines(path, 'latin1')) {
      const f = raw.split('|');
      if (f.length < 5 + U_ITEM_GENRES.length) continue;
      const flags = f.slice(f.length - U_ITEM_GENRES.length);
      const tags = U_ITEM_GENRES.filter((_, i) => flags[i] === '1');
      items.set(f[0], { category: tags[0], tags });
    }
    return items;
  }
  let first = true;
  for await (const raw of lines(path, 'utf8')) {
    if (first && /^movieId,title,genres/i.test(raw)) {
      first = false;
      continue;
    }
    first = false;
    if (raw.trim() === '') continue;
    const f = splitCsv(raw);
    const genres = (f[f.length - 1] ?? '').split('|').filter((g) => g !== '' && g !== '(no genres listed)');
    items.set(f[0], { category: genres[0], tags: genres });
  }
  return items;
}

function toMillis(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  return NaN;
}

/**
 * Reads an API.md JSONL log: content events become replay events (duplicates by `event_id`
 * dropped, as the API would), `{"type":"item", ...}` lines fill the catalogue, others are skipped.
 */
export async function readJsonl(path: string): Promise<ReplayData> {
  const events: ReplayEvent[] = [];
  const items = new Map<string, ReplayItem>();
  const seenIds = new Set<string>();
  let lineNo = 0;
  for await (const raw of lines(path)) {
    lineNo++;
    if (raw.trim() === '') continue;
    let rec: Record<string, unknown>;
    try {
      rec = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      throw new Error(`${path}:${lineNo}: invalid JSON`);
    }
    if (rec.type === 'item') {
      const id = rec.content_id;
      if (typeof id !== 'string') continue;
      const item: ReplayItem = {};
      if (typeof rec.category === 'string') item.category = rec.category;
      if (Array.isArray(rec.tags)) item.tags = rec.tags.filter((t): t is string => typeof t === 'string');
      items.set(id, item);
      continue;
    }
    const type = rec.event_type;
    if (typeof type !== 'string' || !CONTENT_EVENTS.has(type)) continue;
    if (typeof rec.user_id !== 'string' || typeof rec.content_id !== 'string') continue;
    if (typeof rec.event_id === 'string') {
      if (seenIds.has(rec.event_id)) continue;
      seenIds.add(rec.event_id);
    }
    const ts = toMillis(rec.timestamp);
    if (!Number.isFinite(ts)) continue;
    const ev: ReplayEvent = { userId: rec.user_id, itemId: rec.content_id, ts, type };
    const props = rec.properties as Record<string, unknown> | undefined;
    if (props && typeof props.rating === 'number') ev.rating = props.rating;
    events.push(ev);
  }
  return { events: byTime(events), items };
}

/** Reads a log in the given format, plus an optional items file (for `movielens`). */
export async function readReplay(path: string, format: ReplayFormat, itemsPath?: string): Promise<ReplayData> {
  if (format === 'jsonl') {
    const data = await readJsonl(path);
    if (itemsPath) for (const [id, it] of await readMovieLensItems(itemsPath)) data.items.set(id, it);
    return data;
  }
  if (format !== 'movielens') throw new Error(`unknown replay format: ${String(format)}`);
  const events = await readMovieLensRatings(path);
  const items = itemsPath ? await readMovieLensItems(itemsPath) : new Map<string, ReplayItem>();
  return { events, items };
}
