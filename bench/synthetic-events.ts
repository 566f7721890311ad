/** Deterministic synthetic events for benchmarks: skewed item popularity, many users. */

export interface BenchEvent {
  event_id: string;
  user_id: string;
  session_id: string;
  timestamp: number;
  event_type: 'view' | 'click';
  content_id: string;
  device_type: 'mobile' | 'desktop';
}

export function syntheticEvents(count: number, options: { users?: number; items?: number; start?: number; prefix?: string } = {}): BenchEvent[] {
  const users = options.users ?? 10_000;
  const items = options.items ?? 5_000;
  const start = options.start ?? Date.now();
  const prefix = options.prefix ?? 'b';
  let seed = 42;
  const rand = () => {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
  const out: BenchEvent[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const u = Math.floor(rand() * users);
    // Popularity skew: squaring a uniform draw favours low item ids.
    const item = Math.floor(rand() ** 2 * items);
    out[i] = {
      event_id: `${prefix}-${i}`,
      user_id: `u${u}`,
      session_id: `s${u}`,
      timestamp: start + i,
      event_type: rand() < 0.3 ? 'click' : 'view',
      content_id: `c${item}`,
      device_type: u % 2 === 0 ? 'mobile' : 'desktop',
    };
  }
  return out;
}
