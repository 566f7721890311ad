/**
 * A client that streams batches of unique click events to `POST /v1/events` the way a well-behaved
 * producer does while something underneath fails: a few requests in flight, and every batch that
 * is not acknowledged (anything but 202, or no answer) is sent again after a pause. Which batches
 * were acknowledged, and so which counts every item must end with, is the ground truth of the
 * failure tests (broker loss, Redis restart).
 */

export interface ClickStreamOptions {
  /** Prefix of event ids, users and sessions: unique per test run. */
  readonly prefix: string;
  readonly batchSize: number;
  /** Clicks go to items `c0..c<items-1>`. */
  readonly items: number;
  readonly users?: number;
}

export interface SendOptions {
  readonly workers?: number;
  /** Pause before a batch is sent again. */
  readonly retryDelayMs?: number;
  /** Gives up (throws) when a batch is still not acknowledged after this long. */
  readonly giveUpMs?: number;
  /** Called after each acknowledged batch (e.g. to break something mid-stream). */
  readonly onAck?: (acked: number) => void | Promise<void>;
  /** Pause between a worker's batches (to spread the stream over time). */
  readonly paceMs?: number;
}

export interface SendReport {
  readonly acked: number;
  /** Answers other than 202, by status ('error' for no answer), e.g. { '503': 4 }. */
  readonly refused: Readonly<Record<string, number>>;
  /** The last answer body (or error message) per refusing status, for failure messages. */
  readonly lastRefusal: Readonly<Record<string, string>>;
}

export class ClickStream {
  private readonly users: number;

  constructor(readonly options: ClickStreamOptions) {
    this.users = options.users ?? 500;
  }

  /** Item of event `n` (spread over all items, every item clicked). */
  itemOf(n: number): string {
    return `c${(n * 7919) % this.options.items}`;
  }

  /** The events of batch `b`: always the same ids, so a resent batch is the same batch. */
  batch(b: number, timestamp = Date.now()): object[] {
    const { prefix, batchSize } = this.options;
    return Array.from({ length: batchSize }, (_, i) => {
      const n = b * batchSize + i;
      const user = `${prefix}-u${n % this.users}`;
      return { event_id: `${prefix}-e${n}`, user_id: user, session_id: user, timestamp, event_type: 'click', content_id: this.itemOf(n) };
    });
  }

  /** Clicks per item that the given batches contain. */
  expectedCounts(batches: Iterable<number>): Map<string, number> {
    const counts = new Map<string, number>();
    for (const b of batches) {
      for (let i = 0; i < this.options.batchSize; i++) {
        const item = this.itemOf(b * this.options.batchSize + i);
        counts.set(item, (counts.get(item) ?? 0) + 1);
      }
    }
    return counts;
  }

  /** Sends `batches` to `url` until each is acknowledged (202); adds them to `acked` as they are. */
  async send(url: string, batches: readonly number[], acked: Set<number>, options: SendOptions = {}): Promise<SendReport> {
    const queue = [...batches];
    const refused: Record<string, number> = {};
    const lastRefusal: Record<string, string> = {};
    const firstTry = new Map<number, number>();
    const retryDelayMs = options.retryDelayMs ?? 250;
    const giveUpMs = options.giveUpMs ?? 120_000;
    let ackedNow = 0;
    const worker = async () => {
      for (let b = queue.shift(); b !== undefined; b = queue.shift()) {
        if (!firstTry.has(b)) firstTry.set(b, Date.now());
        let status: string;
        let body: string;
        try {
          const r = await fetch(`${url}/v1/events`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(this.batch(b)),
            signal: AbortSignal.timeout(30_000),
          });
          body = await r.text();
          status = String(r.status);
        } catch (error) {
          status = 'error';
          body = String(error);
        }
        if (status === '202') {
          acked.add(b);
          ackedNow++;
          await options.onAck?.(acked.size);
          if (options.paceMs) await sleep(options.paceMs);
          continue;
        }
        refused[status] = (refused[status] ?? 0) + 1;
        lastRefusal[status] = body.slice(0, 500);
        if (Date.now() - firstTry.get(b)! > giveUpMs) {
          throw new Error(`batch ${b} not acknowledged after ${giveUpMs} ms (last answer ${status} ${body.slice(0, 500)}; refused so far ${JSON.stringify(refused)})`);
        }
        queue.push(b);
        await sleep(retryDelayMs);
      }
    };
    await Promise.all(Array.from({ length: options.workers ?? 4 }, worker));
    return { acked: ackedNow, refused, lastRefusal };
  }
}

/** Every item's `interactions_total` as `url` serves it (0 for an unknown item). */
export async function servedCounts(url: string, items: Iterable<string>): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  await Promise.all(
    [...items].map(async (item) => {
      const r = await fetch(`${url}/v1/items/${item}/features`);
      const body = (await r.json()) as { interactions_total?: number };
      out.set(item, r.status === 200 ? (body.interactions_total ?? 0) : 0);
    }),
  );
  return out;
}

/** The items whose served count differs from the expected one, as `item: served/expected`. */
export function countMismatches(expected: ReadonlyMap<string, number>, served: ReadonlyMap<string, number>): string[] {
  const out: string[] = [];
  for (const [item, count] of expected) if (served.get(item) !== count) out.push(`${item}: ${served.get(item)}/${count}`);
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
