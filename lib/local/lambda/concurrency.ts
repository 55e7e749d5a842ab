/**
 * A counting semaphore with FIFO waiters: the account-level concurrency limit shared by all
 * functions, and each function's reserved concurrency.
 */
export class Semaphore {
  private used = 0;
  private readonly waiters: (() => void)[] = [];

  constructor(readonly limit: number) {}

  /** Waits for a unit; false (and nothing held) when `signal` aborts first. */
  async acquire(signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted) return false;
    if (this.used < this.limit) {
      this.used++;
      return true;
    }
    return new Promise<boolean>((resolve) => {
      const granted = () => {
        signal?.removeEventListener('abort', aborted);
        resolve(true);
      };
      const aborted = () => {
        const at = this.waiters.indexOf(granted);
        if (at >= 0) this.waiters.splice(at, 1);
        resolve(false);
      };
      this.waiters.push(granted);
      signal?.addEventListener('abort', aborted, { once: true });
    });
  }

  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.used--;
  }
}
