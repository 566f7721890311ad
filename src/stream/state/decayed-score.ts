/**
 * Decayed scores by key (interest per category): each key keeps one number and the event time it is
 * valid at, decayed lazily when touched or read (../decay.ts), so nothing ever rewrites old scores.
 */
import { addDecayed, decayTo, type DecayedScore } from '../decay.ts';
import { ByteReader, ByteWriter } from './bytes.ts';

export class DecayedScores {
  /** key -> score; a plain record, read as such by the serving path. */
  readonly scores: Record<string, DecayedScore> = {};

  constructor(readonly lambda: number) {}

  /** Adds `amount` at event time `ts` to `key`'s score. */
  add(key: string, amount: number, ts: number): void {
    this.scores[key] = addDecayed(this.scores[key], amount, ts, this.lambda);
  }

  /** Every score decayed to `now` (never grown for a `now` before its time). */
  valuesAt(now: number): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [key, s] of Object.entries(this.scores)) out[key] = decayTo(s.value, s.ts, Math.max(now, s.ts), this.lambda);
    return out;
  }

  get size(): number {
    return Object.keys(this.scores).length;
  }

  sizeBytes(): number {
    let bytes = 32;
    for (const key of Object.keys(this.scores)) bytes += 2 * key.length + 56;
    return bytes;
  }

  /** count, then key, value (float64), time (float64) per score; lambda is configuration, not state. */
  encode(w: ByteWriter): void {
    const keys = Object.keys(this.scores);
    w.uint(keys.length);
    for (const key of keys) w.string(key).f64(this.scores[key].value).f64(this.scores[key].ts);
  }

  static decode(r: ByteReader, lambda: number): DecayedScores {
    const out = new DecayedScores(lambda);
    for (let n = r.uint(), i = 0; i < n; i++) {
      const key = r.string();
      out.scores[key] = { value: r.f64(), ts: r.f64() };
    }
    return out;
  }

  toJSON(): Record<string, DecayedScore> {
    return this.scores;
  }
}
