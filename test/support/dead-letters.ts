// Reading a deployment's dead-letter topic from a test: a fresh group from the start, until `count`
// records (or the time is up), keyed by record key.
import type { Log, LogRecord } from '../../src/log/types.ts';

export async function deadLettersByKey(log: Log, topic: string, count: number, timeoutMs = 30_000): Promise<Map<string, LogRecord>> {
  const dlq = await log.subscribe({ group: `dlq-reader-${Date.now()}-${Math.random().toString(36).slice(2)}`, topics: [topic] });
  const dead: LogRecord[] = [];
  try {
    const deadline = Date.now() + timeoutMs;
    while (dead.length < count && Date.now() < deadline) dead.push(...(await dlq.poll(100, 500)));
  } finally {
    await dlq.close();
  }
  return new Map(dead.map((r) => [r.key, r]));
}
