import { randomUUID } from 'node:crypto';
import { Semaphore } from './concurrency.ts';
import type { EnvironmentFactory, ExecutionEnvironment, InstanceInvocation, InvocationError } from './function-instance.ts';
import type { FunctionSpec } from './function-spec.ts';
import { startProcessEnvironment } from './process-environment.ts';

/** What an invocation that arrives (or gets its turn) after stop() fails with. */
export const STOPPING: InvocationError = Object.freeze({ errorType: 'Runtime.Stopping', errorMessage: 'The local runtime is stopping: the invocation did not run' });

export interface Invocation extends InstanceInvocation {
  readonly functionName: string;
  readonly memoryMb: number;
  readonly billedDurationMs: number;
  readonly peakMemoryMb?: number;
}

/** A held unit of a function's concurrency (see {@link FunctionHost.acquireSlot}). */
export interface ConcurrencySlot {
  release(): void;
}

/**
 * All execution environments of one function: warm instances are reused most-recent-first (as
 * Lambda tends to), new ones are started while under the function's reserved concurrency and the
 * runtime-wide limit, and callers beyond both wait their turn rather than fail.
 */
export class FunctionHost {
  private readonly idle: ExecutionEnvironment[] = [];
  private readonly all = new Set<ExecutionEnvironment>();
  private readonly reserved: Semaphore | undefined;
  private stopped = false;
  /** Aborts the slot waits of callers that did not bring a signal of their own. */
  private readonly stopping = new AbortController();

  constructor(
    readonly spec: FunctionSpec,
    private readonly environment: Record<string, string>,
    private readonly accountConcurrency: Semaphore,
    /** How an execution environment starts: a process of its own (bench/local also measures worker threads). */
    private readonly startEnvironment: EnvironmentFactory = startProcessEnvironment,
  ) {
    this.reserved = spec.reservedConcurrency !== undefined ? new Semaphore(spec.reservedConcurrency) : undefined;
  }

  /** Execution environments alive now, warm or busy. */
  get instanceCount(): number {
    return this.all.size;
  }

  /**
   * Waits for this function's turn to run: a unit of its reserved concurrency, then one of the
   * runtime-wide limit, held until the slot is released. A poller takes its slot before it
   * receives, so no message waits invisible for an environment (Lambda's flow control).
   * Undefined when `signal` aborts first, the host is stopped, or reserved concurrency is 0.
   */
  async acquireSlot(signal?: AbortSignal): Promise<ConcurrencySlot | undefined> {
    if (this.stopped || this.reserved?.limit === 0) return undefined;
    const abort = signal ? AbortSignal.any([signal, this.stopping.signal]) : this.stopping.signal;
    if (this.reserved && !(await this.reserved.acquire(abort))) return undefined;
    if (!(await this.accountConcurrency.acquire(abort))) {
      this.reserved?.release();
      return undefined;
    }
    let held = true;
    return {
      release: () => {
        if (!held) return;
        held = false;
        this.accountConcurrency.release();
        this.reserved?.release();
      },
    };
  }

  /** Runs one event in a warm or new environment; with `slot`, in the caller's slot (which the caller releases). */
  async invoke(event: unknown, requestId: string = randomUUID(), slot?: ConcurrencySlot): Promise<Invocation> {
    if (this.reserved?.limit === 0) {
      return this.refused(requestId, { errorType: 'TooManyRequestsException', errorMessage: 'Reserved concurrency is 0: the function is throttled' });
    }
    if (this.stopped) return this.refused(requestId, STOPPING);
    const own = slot ?? (await this.acquireSlot());
    try {
      // stop() may have run while this call waited for a slot: an environment started now would outlive it.
      if (this.stopped || !own) return this.refused(requestId, STOPPING);
      const instance = this.idle.pop() ?? this.start();
      const outcome = await instance.invoke(event, {
        awsRequestId: requestId,
        functionName: this.spec.name,
        functionVersion: '$LATEST',
        invokedFunctionArn: this.spec.arn,
        memoryLimitInMB: String(this.spec.memoryMb),
        logGroupName: `/aws/lambda/${this.spec.name}`,
        logStreamName: `local/[$LATEST]${this.spec.logicalId}`,
      });
      if (instance.alive && !this.stopped) this.idle.push(instance);
      else if (this.stopped) await instance.terminate();
      return this.record(outcome);
    } finally {
      if (!slot) own?.release();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping.abort();
    this.idle.length = 0;
    await Promise.all([...this.all].map((instance) => instance.terminate()));
  }

  private start(): ExecutionEnvironment {
    if (this.stopped) throw new Error(`${this.spec.name} is stopped: no new execution environment starts`);
    const instance = this.startEnvironment(this.spec, this.environment, (gone) => {
      this.all.delete(gone);
      const at = this.idle.indexOf(gone);
      if (at >= 0) this.idle.splice(at, 1);
    });
    this.all.add(instance);
    return instance;
  }

  /** An invocation that never reached an execution environment. */
  private refused(requestId: string, error: InvocationError): Invocation {
    const now = Date.now();
    return this.record({ requestId, ok: false, timedOut: false, coldStart: false, startedAt: now, endedAt: now, durationMs: 0, logs: [], error });
  }

  private record(outcome: InstanceInvocation): Invocation {
    return {
      ...outcome,
      functionName: this.spec.name,
      memoryMb: this.spec.memoryMb,
      // Lambda bills duration in 1 ms increments, init included on a cold start.
      billedDurationMs: Math.ceil(outcome.durationMs + (outcome.initDurationMs ?? 0)),
      ...(outcome.peakMemoryBytes !== undefined ? { peakMemoryMb: Math.ceil(outcome.peakMemoryBytes / 1_048_576) } : {}),
    };
  }
}
