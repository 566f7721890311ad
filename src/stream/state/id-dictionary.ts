/**
 * Ids interned to dense integers, one dictionary per partition: the state of a partition (its users'
 * consumed items, its items' co-visitation rows) holds 4-byte integers instead of strings, and the
 * dictionary is committed with that partition, so whichever instance restores the partition reads
 * the same integers the same way. Entries are only ever appended, in processing order (so a replay
 * assigns the same numbers), and committed in fixed chunks: a commit rewrites only the chunk that grew.
 */
import { ByteReader, ByteWriter } from './bytes.ts';
import type { Codec } from '../state-store.ts';

/** Names per committed chunk: the last, growing chunk is what a commit rewrites. */
export const DICTIONARY_CHUNK = 1024;

/** The store key of chunk `chunk` of partition `partition`'s dictionary. */
export function dictionaryKey(partition: number, chunk: number): string {
  return `${partition}:${chunk}`;
}

/** Parses a `dictionaryKey`; undefined for anything else. */
export function parseDictionaryKey(key: string): { partition: number; chunk: number } | undefined {
  const m = /^(\d+):(\d+)$/.exec(key);
  return m === null ? undefined : { partition: Number(m[1]), chunk: Number(m[2]) };
}

/** One partition's dictionary: string <-> dense integer, append-only. */
export class IdDictionary {
  /** Names in chunks of DICTIONARY_CHUNK; the chunk arrays are what the dictionary store holds. */
  private chunks: string[][] = [];
  private readonly index = new Map<string, number>();
  private count = 0;
  /**
   * Bumped when the dictionary is loaded anew ({@link load}): only then may an integer come to name
   * another id (uncommitted entries rolled back), so a reader may cache per integer while it stays.
   */
  generation = 0;
  /** Lowest chunk changed since the last `takeChangedChunks`. */
  private firstChanged = Number.POSITIVE_INFINITY;

  constructor(
    readonly partition = 0,
    /** Told of every new name (its chunk and the chunk's names): a store marks the chunk changed. */
    private readonly onGrow?: (partition: number, chunk: number, names: string[]) => void,
  ) {}

  /** The integer of `name`, added at the end when new. */
  intern(name: string): number {
    const known = this.index.get(name);
    if (known !== undefined) return known;
    const id = this.count++;
    const chunk = Math.floor(id / DICTIONARY_CHUNK);
    if (chunk === this.chunks.length) this.chunks.push([]);
    this.chunks[chunk].push(name);
    this.index.set(name, id);
    if (chunk < this.firstChanged) this.firstChanged = chunk;
    this.onGrow?.(this.partition, chunk, this.chunks[chunk]);
    return id;
  }

  /** The integer of `name`, or -1 when it was never interned. */
  lookup(name: string): number {
    return this.index.get(name) ?? -1;
  }

  /** The name of integer `id` (undefined for one this dictionary does not hold, e.g. not yet restored). */
  name(id: number): string | undefined {
    return this.chunks[Math.floor(id / DICTIONARY_CHUNK)]?.[id % DICTIONARY_CHUNK];
  }

  get size(): number {
    return this.count;
  }

  /** Chunks appended to since the last call, as [chunk number, its names] (the arrays are shared). */
  takeChangedChunks(): [number, string[]][] {
    const out: [number, string[]][] = [];
    for (let c = this.firstChanged; c < this.chunks.length; c++) out.push([c, this.chunks[c]]);
    this.firstChanged = Number.POSITIVE_INFINITY;
    return out;
  }

  /** The chunk arrays, in order (to tell whether restored chunks are the ones held). */
  chunkArrays(): readonly string[][] {
    return this.chunks;
  }

  /** Replaces the content with restored chunks (chunk number -> names); gaps are an error. */
  load(chunks: ReadonlyMap<number, string[]>): void {
    this.generation++;
    this.chunks = [];
    this.index.clear();
    this.count = 0;
    this.firstChanged = Number.POSITIVE_INFINITY;
    const n = chunks.size;
    for (let c = 0; c < n; c++) {
      const names = chunks.get(c);
      if (names === undefined) throw new RangeError(`dictionary of partition ${this.partition}: chunk ${c} of ${n} missing`);
      if (c < n - 1 && names.length !== DICTIONARY_CHUNK) throw new RangeError(`dictionary of partition ${this.partition}: chunk ${c} holds ${names.length} names`);
      this.chunks.push(names);
      for (const name of names) this.index.set(name, this.count++);
    }
  }

  /**
   * A reader's update: chunk `chunk` as committed now (the last chunk, grown; or the next one).
   * Returns false, changing nothing, for a chunk that does not continue what is held.
   */
  extend(chunk: number, names: string[]): boolean {
    const held = this.chunks.length;
    if (chunk > held || chunk < held - 1 || (chunk === held && held > 0 && this.chunks[held - 1].length !== DICTIONARY_CHUNK)) return false;
    const known = chunk < held ? this.chunks[chunk].length : 0;
    if (names.length < known) return false;
    if (chunk === held) this.chunks.push([]);
    const target = this.chunks[chunk];
    for (let i = known; i < names.length; i++) {
      target.push(names[i]);
      this.index.set(names[i], this.count++);
    }
    return true;
  }

  /** Approximate bytes held: names as UTF-16 plus the index entry and the chunk slot. */
  sizeBytes(): number {
    let bytes = 0;
    for (const chunk of this.chunks) for (const name of chunk) bytes += 2 * name.length + 48;
    return bytes;
  }
}

/** Every partition's dictionary of one processor (or of one Redis reader). */
export class Dictionaries {
  private readonly byPartition = new Map<number, IdDictionary>();

  /** `onGrow` is given to every dictionary (see IdDictionary). */
  constructor(private readonly onGrow?: (partition: number, chunk: number, names: string[]) => void) {}

  /** Partition `partition`'s dictionary, created empty on first use (restore fills it later). */
  of(partition: number): IdDictionary {
    let d = this.byPartition.get(partition);
    if (d === undefined) {
      d = new IdDictionary(partition, this.onGrow);
      this.byPartition.set(partition, d);
    }
    return d;
  }

  entries(): IterableIterator<[number, IdDictionary]> {
    return this.byPartition.entries();
  }

  /**
   * After a restore: each listed partition's dictionary becomes what the store holds for it, unless
   * it holds those very chunks already (a partition kept across a rebalance keeps its live entries).
   * The dictionary objects stay the same, so values that point at them stay valid.
   */
  reconcile(partitions: Iterable<number>, stored: Iterable<[string, string[]]>): void {
    const byPartition = new Map<number, Map<number, string[]>>();
    for (const [key, names] of stored) {
      const k = parseDictionaryKey(key);
      if (k === undefined) continue;
      let m = byPartition.get(k.partition);
      if (m === undefined) byPartition.set(k.partition, (m = new Map()));
      m.set(k.chunk, names);
    }
    for (const p of partitions) {
      const chunks = byPartition.get(p) ?? new Map<number, string[]>();
      const dictionary = this.of(p);
      const held = dictionary.chunkArrays();
      const same = held.length >= chunks.size && [...chunks].every(([c, names]) => held[c] === names);
      if (!same) dictionary.load(chunks);
    }
  }
}

/** Codec of one dictionary chunk: a count, then the names. */
export const dictionaryChunkCodec: Codec<string[]> = {
  encode(names) {
    const w = new ByteWriter(16 + names.length * 12);
    w.uint(names.length);
    for (const name of names) w.string(name);
    return w.finish();
  },
  decode(bytes) {
    const r = new ByteReader(bytes);
    const n = r.uint();
    const names: string[] = new Array<string>(n);
    for (let i = 0; i < n; i++) names[i] = r.string();
    r.end();
    return names;
  },
};

/** Entries in an encoded chunk, without decoding it (a chunk that grew is newer: its Redis version). */
export function dictionaryChunkLength(bytes: Buffer): number {
  return new ByteReader(bytes).uint();
}
