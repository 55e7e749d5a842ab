import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  INIT_LIMIT_MS,
  MAX_LOG_LINES,
  timeoutError,
  type ContextFields,
  type ExecutionEnvironment,
  type InstanceInvocation,
  type InvocationError,
  type LogLine,
} from '../../lib/local/lambda/function-instance.ts';
import type { FunctionSpec } from '../../lib/local/lambda/function-spec.ts';

/**
 * The runtime's previous execution environment, kept for bench/local only: a worker thread per
 * environment (own env, module cache and heap; shared native memory, /tmp and child processes).
 * The bench runs it beside the process environment to show what process isolation costs.
 */
const WORKER_HOST = fileURLToPath(new URL('./worker-host.cjs', import.meta.url));

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
export class WorkerEnvironment implements ExecutionEnvironment {
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
    environment: Readonly<Record<string, string>>,
    private readonly onExit: (instance: ExecutionEnvironment) => void,
  ) {
    this.worker = new Worker(WORKER_HOST, {
      workerData: {
        codeDirectory: spec.codeDirectory,
        handlerModule: spec.handlerModule,
        handlerExport: spec.handlerExport,
        enableSourceMaps: /--enable-source-maps/.test(spec.environment.NODE_OPTIONS ?? ''),
      },
      env: { ...environment },
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
  async invoke(event: unknown, context: ContextFields): Promise<InstanceInvocation> {
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
        { ok: false, timedOut: true, error: timeoutError(seconds) },
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

const held = new Set<string>();

/**
 * Loads the asset's own copy of sharp once in the main thread before any worker uses it: on glibc
 * a worker that is the last user of libvips unloads it when it exits (sharp issue #2263).
 */
function holdNativeModules(codeDirectory: string): void {
  const packageDir = join(codeDirectory, 'node_modules', 'sharp');
  if (held.has(packageDir) || !existsSync(join(packageDir, 'package.json'))) return;
  held.add(packageDir);
  try {
    createRequire(join(codeDirectory, 'index.js'))('sharp');
  } catch {
    // The worker reports it when the function itself fails to load the package.
  }
}

/** The bench's {@link EnvironmentFactory} for worker-thread environments. */
export function startWorkerEnvironment(
  spec: FunctionSpec,
  environment: Readonly<Record<string, string>>,
  onExit: (environment: ExecutionEnvironment) => void,
): ExecutionEnvironment {
  holdNativeModules(spec.codeDirectory);
  return new WorkerEnvironment(spec, environment, onExit);
}
