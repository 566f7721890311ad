/**
 * The state primitives features and models declare their state from (ARCHITECTURE.md, "The
 * processing core"): each is bounded, reports its size in bytes, and has a compact binary form.
 */
export { ByteReader, ByteWriter } from './bytes.ts';
export { SlidingCounter } from './sliding-counter.ts';
export { DecayedScores } from './decayed-score.ts';
export { ForwardDecayedSum, logAddExp } from './forward-decayed-sum.ts';
export { Count, Scalar } from './scalar.ts';
export { RecentList, type EntryCodec } from './recent-list.ts';
export { MembershipSet } from './membership-set.ts';
export { SparseRow } from './sparse-row.ts';
export { DenseVector } from './dense-vector.ts';
export { SessionSlot, type SessionSums } from './session-slot.ts';
export { Dictionaries, IdDictionary, dictionaryChunkCodec, dictionaryKey, DICTIONARY_CHUNK } from './id-dictionary.ts';
export { DedupIndex, dedupChunkCodec, dedupKey, DEFAULT_DEDUP, type DedupChunk, type DedupConfig } from './dedup-index.ts';
