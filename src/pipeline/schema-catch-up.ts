/**
 * Before a batch is processed, the schema ids it names that this instance cannot decode yet: on a
 * shared registry another instance may have registered one a moment ago (a producer registers,
 * then writes at once), so the registry's store is read first and the batch decoded after. An id
 * still unknown then dead-letters as EDDY_UNKNOWN_SCHEMA_ID. Each unknown id is looked up at most
 * once per `retryMs`, so records with a junk id cost no read per batch; a read that takes longer
 * than `waitMs` is not waited for (the batch goes on, and its unknown ids dead-letter).
 */
import { isWireFormat, schemaIdOf } from '../events/codec/wire-format.ts';
import type { KnownSchemas } from '../events/codec/known-schemas.ts';
import type { LogRecord } from '../log/types.ts';

export interface SchemaCatchUpOptions {
  /** Reads the registry's store (SchemaRegistry.catchUp). */
  readonly catchUp: () => Promise<void>;
  /** The ids the processor decodes with. */
  readonly schemas: KnownSchemas;
  /** An id still unknown after a look-up is looked up again after this long, ms. Default 5000. */
  readonly retryMs?: number;
  /** Longest wait for one look-up, ms. Default 2000. */
  readonly waitMs?: number;
  /** Told of a look-up that failed or took too long. */
  readonly warn?: (message: string, error?: unknown) => void;
  readonly now?: () => number;
}

/** A `beforeBatch` hook: resolves when the batch's schema ids are as known as they can be. */
export function schemaCatchUp(options: SchemaCatchUpOptions): (records: readonly LogRecord[]) => Promise<void> {
  const retryMs = options.retryMs ?? 5000;
  const waitMs = options.waitMs ?? 2000;
  const now = options.now ?? Date.now;
  /** Unknown id → when it may be looked up again. */
  const lookedUp = new Map<number, number>();
  return async (records) => {
    let missing = false;
    const t = now();
    for (const r of records) {
      if (!isWireFormat(r.value) || r.value.length < 5) continue;
      const id = schemaIdOf(r.value);
      if (options.schemas.has(id) || (lookedUp.get(id) ?? 0) > t) continue;
      // Bounded: a flood of distinct junk ids must not grow this without end.
      if (lookedUp.size >= 10_000) lookedUp.clear();
      lookedUp.set(id, t + retryMs);
      missing = true;
    }
    if (!missing) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), waitMs)));
    try {
      const outcome = await Promise.race([options.catchUp().then(() => 'read' as const), timeout]);
      if (outcome === 'timeout') options.warn?.(`schema registry: reading new schema ids took over ${waitMs} ms; records naming them are dead-lettered`);
    } catch (error) {
      options.warn?.('schema registry: could not read new schema ids; records naming them are dead-lettered', error);
    } finally {
      clearTimeout(timer);
    }
  };
}
