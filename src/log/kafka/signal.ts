/** Wakes whoever waits (poll waiting for records, the fetch loop waiting for room or an assignment). */
export class Signal {
  private readonly waiters = new Set<() => void>();

  wake(): void {
    for (const w of [...this.waiters]) w();
  }

  /** Resolves on the next wake() or after `ms`. */
  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
    });
  }
}
