/** Warnings an operator reads in the process's log: trouble that is ridden out, and what stops a part. */

/** Told a message and the error behind it. */
export type Warn = (message: string, error: unknown) => void;

/**
 * `warn`, telling each message at most once per `intervalMs`: a retry loop in trouble would
 * otherwise write a line every few hundred milliseconds. Undefined when `warn` is.
 */
export function throttled(warn: Warn | undefined, intervalMs = 10_000): Warn | undefined {
  if (warn === undefined) return undefined;
  const last = new Map<string, number>();
  return (message, error) => {
    const now = Date.now();
    if (now - (last.get(message) ?? -Infinity) < intervalMs) return;
    last.set(message, now);
    warn(message, error);
  };
}

/** One line for an error: its message and the chain of causes (the client's errors nest). */
export function describeError(error: unknown): string {
  const parts: string[] = [];
  let e: unknown = error;
  for (let depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    const err = e as { name?: unknown; message?: unknown; code?: unknown; errors?: unknown; cause?: unknown };
    const name = typeof err.name === 'string' ? err.name : 'Error';
    const code = typeof err.code === 'string' ? ` [${err.code}]` : '';
    parts.push(`${name}${code}: ${typeof err.message === 'string' ? err.message : String(e)}`);
    // AggregateError-like (the Kafka client's MultipleErrors): the first inner error says most.
    const inner = Array.isArray(err.errors) && err.errors.length > 0 ? err.errors[0] : undefined;
    e = err.cause ?? inner;
  }
  return parts.join(' <- ');
}
