import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { FunctionSpec } from './function-spec.ts';

const WORKER_HOST = fileURLToPath(new URL('./worker-host.cjs', import.meta.url));
/** Lambda's init phase limit: an init slower than this fails the invocation, whatever its timeout. */
const INIT_LIMIT_MS = 10_000;
/** Lines kept per invocation: enough to read a failure, bounded for long bursts. */
const MAX_LOG_LINES = 200;

export interface LogLine {
  readonly stream: 'stdout' | 'stderr';
  readonly text: string;
}

export interface InvocationError {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly stack?: string[];
}

export interface InstanceInvocation {
  readonly requestId: string;
  readonly ok: boolean;
  readonly value?: unknown;
  readonly error?: InvocationError;
  readonly timedOut: boolean;
  readonly coldStart: boolean;
  readonly initDurationMs?: number;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly durationMs: number;
  readonly peakMemoryBytes?: number;
  readonly logs: readonly LogLine[];
}

interface WorkerMessage {
  type: 'ready' | 'init-error' | 'log' | 'result';
  id?: string;
  initMs?: number;
  ok?: boolean;
  value?: unknown;
  error?: InvocationError;
  stream?: 'stdout' | 'stderr';
  text?: string;
  invocation?: string;
  peakMemoryBytes?: number;
}

interface Pending {
  readonly requestId: string;
  readonly logs: LogLine[];
  readonly settle: (message: WorkerMessage) => void;
}

/**
 * One execution environment: a worker thread with its own environment, module cache and heap,
 * which handles one invocation at a time and is reused while warm. A timeout or a crash
 * terminates the worker, so nothing the handler started can run on after it.
 */
export class FunctionInstance {
  private readonly worker: Worker;
  private readonly ready: Promise<number>;
  private pending: Pending | undefined;
  private initError: InvocationError | undefined;
  private invocations = 0;
  private dead = false;
  /** Output written outside any invocation (module init, stray timers). */
  private readonly looseLogs: LogLine[] = [];

  constructor(
    readonly spec: FunctionSpec,
    environment: Record<string, string>,
    private readonly onExit: (instance: FunctionInstance) => void,
  ) {
    this.worker = new Worker(WORKER_HOST, {
      workerData: {
        codeDirectory: spec.codeDirectory,
        handlerModule: spec.handlerModule,
        handlerExport: spec.handlerExport,
        enableSourceMaps: /--enable-source-maps/.test(spec.environment.NODE_OPTIONS ?? ''),
      },
      env: environment,
      execArgv: [],
      resourceLimits: { maxOldGenerationSizeMb: Math.max(64, spec.memoryMb) },
    });
    this.ready = new Promise<number>((resolve, reject) => {
      const onMessage = (message: WorkerMessage) => {
        if (message.type === 'ready') resolve(message.initMs ?? 0);
        else if (message.type === 'init-error') {
          this.initError = message.error;
          reject(new Error(message.error?.errorMessage));
        }
      };
      this.worker.on('message', onMessage);
      this.worker.once('exit', () => reject(new Error('The execution environment exited during init')));
    });
    // The ready promise may settle before anyone awaits it (init errors are reported per invocation).
    this.ready.catch(() => undefined);
    this.worker.on('message', (message: WorkerMessage) => this.onMessage(message));
    this.worker.on('error', (error) => this.crash({ errorType: 'Runtime.ExitError', errorMessage: error.message, stack: error.stack?.split('\n') }));
    this.worker.on('exit', (code) => {
      this.crash({ errorType: 'Runtime.ExitError', errorMessage: `The execution environment exited (code ${code})` });
      this.dead = true;
      this.onExit(this);
    });
  }

  get alive(): boolean {
    return !this.dead;
  }

  /** Runs one event; resolves (never rejects) with what happened, the way Lambda reports it. */
  async invoke(event: unknown, context: Record<string, unknown>): Promise<InstanceInvocation> {
    const requestId = String(context.awsRequestId ?? randomUUID());
    const coldStart = this.invocations++ === 0;
    const startedAt = Date.now();
    const started = performance.now();
    const timeoutMs = this.spec.timeoutSeconds * 1000;
    const logs: LogLine[] = coldStart ? this.looseLogs.splice(0) : [];
    const finish = (fields: Partial<InstanceInvocation> & { ok: boolean; timedOut: boolean }, initMs?: number): InstanceInvocation => {
      const endedAt = Date.now();
      return {
        requestId,
        coldStart,
        startedAt,
        endedAt,
        durationMs: performance.now() - started - (initMs ?? 0),
        logs,
        ...(initMs !== undefined ? { initDurationMs: initMs } : {}),
        ...fields,
      };
    };

    let initMs: number | undefined;
    if (coldStart) {
      const init = await this.raceTimer(this.ready, INIT_LIMIT_MS);
      if (init === 'timeout') {
        await this.terminate();
        return finish({ ok: false, timedOut: true, error: { errorType: 'Runtime.InitTimeout', errorMessage: `Init did not finish within ${INIT_LIMIT_MS} ms` } });
      }
      if (init instanceof Error) {
        await this.terminate();
        return finish({ ok: false, timedOut: false, error: this.initError ?? { errorType: 'Runtime.InitError', errorMessage: init.message } });
      }
      initMs = init;
    }
    if (this.dead) {
      return finish({ ok: false, timedOut: false, error: { errorType: 'Runtime.ExitError', errorMessage: 'The execution environment is gone' } }, initMs);
    }
    const deadlineMs = Date.now() + timeoutMs;
    const result = new Promise<WorkerMessage>((resolve) => {
      this.pending = { requestId, logs, settle: resolve };
    });
    this.worker.postMessage({ type: 'invoke', id: requestId, event, context: { ...context, awsRequestId: requestId, deadlineMs } });
    const message = await this.raceTimer(result, timeoutMs);
    if (message === 'timeout') {
      this.pending = undefined;
      await this.terminate();
      const seconds = this.spec.timeoutSeconds;
      return finish(
        { ok: false, timedOut: true, error: { errorType: 'Sandbox.Timedout', errorMessage: `Task timed out after ${seconds.toFixed(2)} seconds` } },
        initMs,
      );
    }
    this.pending = undefined;
    if (message instanceof Error) {
      // The result promise only ever resolves; this would be a bug in the host, reported as such.
      return finish({ ok: false, timedOut: false, error: { errorType: 'Runtime.Unknown', errorMessage: message.message } }, initMs);
    }
    return finish(
      {
        ok: message.ok === true,
        timedOut: false,
        ...(message.ok ? { value: message.value } : { error: message.error }),
        ...(message.peakMemoryBytes !== undefined ? { peakMemoryBytes: message.peakMemoryBytes } : {}),
      },
      initMs,
    );
  }

  async terminate(): Promise<void> {
    if (this.dead) return;
    this.dead = true;
    await this.worker.terminate();
  }

  private onMessage(message: WorkerMessage): void {
    if (message.type === 'log') {
      const line: LogLine = { stream: message.stream ?? 'stdout', text: message.text ?? '' };
      const target = this.pending && message.invocation === this.pending.requestId ? this.pending.logs : this.looseLogs;
      if (target.length < MAX_LOG_LINES) target.push(line);
      return;
    }
    if (message.type === 'result' && this.pending && message.id === this.pending.requestId) {
      this.pending.settle(message);
    }
  }

  /** A crash mid-invocation fails that invocation the way Lambda reports a runtime exit. */
  private crash(error: InvocationError): void {
    const pending = this.pending;
    if (!pending) return;
    this.pending = undefined;
    pending.settle({ type: 'result', id: pending.requestId, ok: false, error });
  }

  private raceTimer<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout' | Error> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), ms);
    });
    return Promise.race([promise.catch((error: unknown) => (error instanceof Error ? error : new Error(String(error)))), timeout]).finally(() =>
      clearTimeout(timer),
    );
  }
}
