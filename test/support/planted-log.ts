/**
 * Synthetic interaction logs from users with planted tastes (one or two favourite blocks of items,
 * Zipf popularity inside a block, 10% off-taste), for replay tests: as events, or written in the
 * MovieLens 100K `u.data` layout.
 */
import { writeFileSync } from 'node:fs';
import type { ReplayEvent } from '../../src/eval/readers.ts';
import { mulberry32 } from '../../src/models/exploration.ts';

export interface PlantedOptions {
  events: number;
  users?: number;
  blocks?: number;
  perBlock?: number;
  seed?: number;
  /** event time step, ms */
  stepMs?: number;
}

export function plantedEvents(options: PlantedOptions): ReplayEvent[] {
  const rng = mulberry32(options.seed ?? 5);
  const blocks = options.blocks ?? 6;
  const perBlock = options.perBlock ?? 40;
  const zipf = Array.from({ length: perBlock }, (_, r) => 1 / (r + 1));
  const zsum = zipf.reduce((a, b) => a + b, 0);
  const drawRank = (): number => {
    let x = rng() * zsum;
    for (let r = 0; r < perBlock; r++) if ((x -= zipf[r]) <= 0) return r;
    return perBlock - 1;
  };
  const users = Array.from({ length: options.users ?? 120 }, () => {
    const a = Math.floor(rng() * blocks);
    return rng() < 0.5 ? [a] : [a, (a + 1 + Math.floor(rng() * (blocks - 1))) % blocks];
  });
  const out: ReplayEvent[] = [];
  for (let t = 0; t < options.events; t++) {
    const u = Math.floor(rng() * users.length);
    const fav = users[u];
    const block = rng() < 0.9 ? fav[Math.floor(rng() * fav.length)] : Math.floor(rng() * blocks);
    out.push({ userId: String(u + 1), itemId: String(block * perBlock + drawRank() + 1), ts: 880_000_000_000 + t * (options.stepMs ?? 60_000), type: 'view' });
  }
  return out;
}

export function plantedUData(path: string, options: PlantedOptions): void {
  const lines = plantedEvents(options).map((e) => `${e.userId}\t${e.itemId}\t3\t${Math.floor(e.ts / 1000)}`);
  writeFileSync(path, lines.join('\n') + '\n');
}
