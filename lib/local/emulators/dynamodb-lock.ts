export type LockMode = 'shared' | 'exclusive';

interface Waiter {
  readonly mode: LockMode;
  readonly grant: () => void;
}

/**
 * A first-come-first-served readers-writer lock. Readers run together; a writer runs alone. A
 * reader that arrives after a waiting writer queues behind it, so a steady stream of reads never
 * starves a write (and the other way round).
 */
export class ReadWriteLock {
  private readers = 0;
  private writing = false;
  private readonly queue: Waiter[] = [];

  async run<T>(mode: LockMode, work: () => Promise<T>): Promise<T> {
    await this.acquire(mode);
    try {
      return await work();
    } finally {
      this.release(mode);
    }
  }

  private acquire(mode: LockMode): Promise<void> {
    return new Promise((grant) => {
      this.queue.push({ mode, grant });
      this.admit();
    });
  }

  private release(mode: LockMode): void {
    if (mode === 'exclusive') this.writing = false;
    else this.readers--;
    this.admit();
  }

  private admit(): void {
    while (this.queue.length > 0 && !this.writing) {
      const next = this.queue[0]!;
      if (next.mode === 'exclusive') {
        if (this.readers > 0) return;
        this.writing = true;
      } else {
        this.readers++;
      }
      this.queue.shift();
      next.grant();
    }
  }
}
