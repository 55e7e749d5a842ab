/**
 * Time as the EventBridge emulation sees it: schedules, retry waits and event ages all go through
 * one clock, so tests can drive them ({@link ManualClock}) and a local time scale can speed them
 * up ({@link scaledClock}) without touching the logic.
 */
export interface Clock {
  /** Milliseconds since the epoch, in this clock's time. */
  now(): number;
  /** Runs `callback` once `ms` of this clock's time have passed; the returned function cancels it. */
  setTimer(callback: () => void, ms: number): () => void;
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimer: (callback, ms) => {
    const timer = setTimeout(callback, Math.max(0, ms));
    timer.unref?.();
    return () => clearTimeout(timer);
  },
};

/**
 * A clock that runs `scale` times faster than the wall clock from the moment it is made: a
 * `rate(1 minute)` schedule on a clock scaled by 60 fires every second, and its events carry
 * the scaled time.
 */
export function scaledClock(scale: number, base: Clock = realClock): Clock {
  if (!(scale > 0)) throw new Error(`A time scale must be positive, not ${scale}`);
  if (scale === 1) return base;
  const origin = base.now();
  return {
    now: () => origin + (base.now() - origin) * scale,
    setTimer: (callback, ms) => base.setTimer(callback, ms / scale),
  };
}

/** A clock that moves only when told to: `advance` fires every timer that falls due, in order. */
export class ManualClock implements Clock {
  private current: number;
  private readonly timers: { at: number; seq: number; callback: () => void }[] = [];
  private seq = 0;

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimer(callback: () => void, ms: number): () => void {
    const timer = { at: this.current + Math.max(0, ms), seq: this.seq++, callback };
    this.timers.push(timer);
    return () => {
      const index = this.timers.indexOf(timer);
      if (index >= 0) this.timers.splice(index, 1);
    };
  }

  /** Moves time forward, running due timers one by one and letting the promises they start settle. */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    while (true) {
      await settle();
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.timers[0];
      if (!next || next.at > target) break;
      this.timers.shift();
      this.current = next.at;
      next.callback();
    }
    this.current = target;
    await settle();
  }

  get pendingTimers(): number {
    return this.timers.length;
  }
}

/** Lets chains of promise callbacks (and one macrotask turn) run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
