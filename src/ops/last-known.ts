/**
 * A figure read from a dependency (Kafka's consumer-group lag), refreshed in the background and on
 * demand, whose last good value answers while the dependency is away: `/metrics` and `/v1/stats`
 * must answer without Kafka (issue 7), and must not wait for a client's retries to run out first.
 */
const LATE = Symbol('late');

export interface LastKnownOptions {
  /** How long `get` waits for a fresh value before it answers the last one. */
  readonly waitMs: number;
  /** Called each time `get` answers the last value because the read failed or was slow. */
  readonly onFallback?: () => void;
  readonly now?: () => number;
}

export class LastKnown<T> {
  private current: T;
  private inFlight: Promise<T> | undefined;
  private inFlightSince = 0;
  private lastOk = true;
  /** When the value was last read (epoch ms); 0 before the first read. */
  readAt = 0;
  private readonly now: () => number;

  constructor(
    private readonly read: () => Promise<T>,
    initial: T,
    private readonly options: LastKnownOptions,
  ) {
    this.current = initial;
    this.now = options.now ?? Date.now;
  }

  /** The last value read. */
  get value(): T {
    return this.current;
  }

  /** Whether the last read succeeded and none has been hanging for longer than `waitMs` since. */
  get up(): boolean {
    return this.lastOk && !(this.inFlight !== undefined && this.now() - this.inFlightSince > this.options.waitMs);
  }

  /** Reads a fresh value (joining a read in progress); throws when the read fails. */
  refresh(): Promise<T> {
    if (this.inFlight === undefined) {
      this.inFlightSince = this.now();
      this.inFlight = this.read().then(
        (value) => {
          this.current = value;
          this.readAt = this.now();
          this.lastOk = true;
          this.inFlight = undefined;
          return value;
        },
        (error: unknown) => {
          this.lastOk = false;
          this.inFlight = undefined;
          throw error;
        },
      );
    }
    return this.inFlight;
  }

  /**
   * A fresh value within `waitMs`, else the last one (counted by `onFallback`). Never throws. While
   * the dependency is known to be down it does not wait at all: the refresh goes on in the background.
   */
  async get(): Promise<T> {
    const wasUp = this.up;
    const fresh = this.refresh();
    fresh.catch(() => undefined);
    if (!wasUp) {
      this.options.onFallback?.();
      return this.current;
    }
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<typeof LATE>((resolve) => (timer = setTimeout(() => resolve(LATE), this.options.waitMs)));
    try {
      const result = await Promise.race([fresh, late]);
      if (result !== LATE) return result;
      this.lastOk = false;
    } catch {
      // lastOk is already false
    } finally {
      clearTimeout(timer);
    }
    this.options.onFallback?.();
    return this.current;
  }
}
