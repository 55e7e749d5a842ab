import { PermanentError } from './errors.ts';

/**
 * The per-object time budget (DESIGN.md, "Error model"): each object may take `budgetMs`; work
 * over budget is stopped (its AbortSignal fires; sharp's own timeout and killed child processes
 * honour it) and becomes a PermanentError with the pipeline's timeout code.
 */

/**
 * Time an invocation keeps back beyond its records' budgets: to write a failure record after an
 * abort and return the batch response. 10 % of the timeout, at least 1 s (or a fifth of a timeout
 * shorter than 5 s). Config validation (synth) and the worker use this one rule.
 */
export function budgetReserveMs(timeoutMs: number): number {
  return Math.round(Math.max(timeoutMs * 0.1, Math.min(1_000, timeoutMs * 0.2)));
}

/** The default budget per object: what is left after the reserve, shared by a full batch (10 ms steps). */
export function defaultTimeBudgetMs(timeoutMs: number, batchSize: number): number {
  return Math.max(10, Math.floor((timeoutMs - budgetReserveMs(timeoutMs)) / batchSize / 10) * 10);
}

/** Why a budget cannot hold, or undefined when `batchSize × budget` fits in the timeout less the reserve. */
export function timeBudgetProblem(timeoutMs: number, batchSize: number, budgetMs: number): string | undefined {
  const reserve = budgetReserveMs(timeoutMs);
  if (batchSize * budgetMs <= timeoutMs - reserve) return undefined;
  return (
    `batchSize ${batchSize} × timeBudgetSeconds ${budgetMs / 1000} = ${(batchSize * budgetMs) / 1000} s does not fit in ` +
    `timeoutSeconds ${timeoutMs / 1000} less its ${reserve / 1000} s reserve; lower timeBudgetSeconds or batchSize, or raise timeoutSeconds`
  );
}

/** One object's budget: a deadline and a signal that fires when it passes. */
export interface ObjectBudget {
  /** Milliseconds this object was given. */
  readonly budgetMs: number;
  /** Epoch ms when the budget runs out. */
  readonly deadline: number;
  /** Aborted when the budget runs out; pass it to SDK calls, child processes and loops. */
  readonly signal: AbortSignal;
  /** Milliseconds left (0 when spent). */
  remainingMs(): number;
  /** True once the budget ran out. */
  readonly expired: boolean;
  /** Stops the timer (the object is done). */
  dispose(): void;
}

/** Why a budget signal fired: tells "over budget" apart from any other abort. */
export class BudgetExceeded extends Error {
  override readonly name = 'BudgetExceeded';
  constructor(readonly budgetMs: number) {
    super(`The per-object time budget of ${budgetMs} ms ran out`);
  }
}

export function startBudget(budgetMs: number, now = Date.now()): ObjectBudget {
  const controller = new AbortController();
  const deadline = now + budgetMs;
  const timer = setTimeout(() => controller.abort(new BudgetExceeded(budgetMs)), Math.max(0, budgetMs));
  return {
    budgetMs,
    deadline,
    signal: controller.signal,
    remainingMs: () => Math.max(0, deadline - Date.now()),
    get expired() {
      return controller.signal.aborted || Date.now() >= deadline;
    },
    dispose: () => clearTimeout(timer),
  };
}

/**
 * Runs `work` under `signal`: resolves with its value, or rejects with `overBudget()` as soon as
 * the signal fires. Pass a function to not even start work whose budget is already spent. The work itself is not cancelled by this (a promise cannot be): hand it the
 * signal too (sharp `.timeout()`, `spawn(..., { signal })`), so it stops rather than runs on.
 */
export function withinBudget<T>(work: Promise<T> | (() => Promise<T>), signal: AbortSignal, overBudget: () => PermanentError): Promise<T> {
  if (signal.aborted) {
    // Work handed over already started: its own later failure is not news, but must not go unhandled.
    if (typeof work !== 'function') work.catch(() => undefined);
    return Promise.reject(overBudget());
  }
  const promise = typeof work === 'function' ? work() : work;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(overBudget());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) reject(overBudget());
        else resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(signal.aborted && !(error instanceof PermanentError) ? overBudget() : error);
      },
    );
  });
}
