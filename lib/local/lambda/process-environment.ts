import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  INIT_LIMIT_MS,
  MAX_LOG_LINES,
  timeoutError,
  type ContextFields,
  type ExecutionEnvironment,
  type InstanceInvocation,
  type InvocationError,
  type LogLine,
} from './function-instance.ts';
import type { FunctionSpec } from './function-spec.ts';
import { directoryBytes, killGroup, killTree, peakResidentBytes, processTree, treeResidentBytes } from './process-tree.ts';

const BOOTSTRAP = fileURLToPath(new URL('./process-bootstrap.cjs', import.meta.url));
/** How often the memory of a busy environment is sampled: a runaway allocation is caught within it. */
const MEMORY_SAMPLE_MS = 50;
/** The V8 heap limit as a share of MemorySize: the heap overflows (a clean V8 OOM) before the process does. */
const HEAP_SHARE = 0.9;
const MIB = 1_048_576;

interface ChildMessage {
  type: 'ready' | 'init-error' | 'log' | 'result' | 'crash';
  id?: string;
  initMs?: number;
  ok?: boolean;
  value?: unknown;
  error?: InvocationError;
  stream?: 'stdout' | 'stderr';
  text?: string;
  invocation?: string;
}

interface Pending {
  readonly requestId: string;
  readonly logs: LogLine[];
  readonly settle: (outcome: Settled) => void;
}

type Settled = { kind: 'result'; message: ChildMessage } | { kind: 'failed'; error: InvocationError; timedOut?: boolean };

/** Process groups of live environments: killed if this process exits without stopping them. */
const liveGroups = new Set<number>();
process.once('exit', () => {
  for (const pid of liveGroups) killTree(pid);
});

/**
 * One execution environment as Lambda runs it: a Node.js process of its own, leading its own
 * process group, with the function's environment, its own TMPDIR (measured against
 * EphemeralStorage after each invocation), a memory limit on the whole process tree (RSS sampled
 * from /proc, native memory and child processes included; V8's heap capped below it), and a hard
 * timeout that kills the group and every descendant, ffmpeg and its children included.
 */
export class ProcessEnvironment implements ExecutionEnvironment {
  private readonly child: ChildProcess;
  private readonly pid: number;
  private readonly tmp: string;
  private readonly ready: Promise<number>;
  private readonly exited: Promise<void>;
  private pending: Pending | undefined;
  private initError: InvocationError | undefined;
  private crashError: InvocationError | undefined;
  /** Set when this side killed the environment, so its exit is reported as that reason. */
  private killedFor: InvocationError | undefined;
  private exitedWith: InvocationError | undefined;
  private invocations = 0;
  private dead = false;
  private peakBytes = 0;
  private readonly stderrTail: string[] = [];
  /** Output written outside any invocation (module init, stray timers). */
  private readonly looseLogs: LogLine[] = [];

  constructor(
    readonly spec: FunctionSpec,
    environment: Readonly<Record<string, string>>,
    private readonly onExit: (environment: ExecutionEnvironment) => void,
  ) {
    this.tmp = mkdtempSync(join(tmpdir(), 'media-kit-env-'));
    const heapMb = Math.max(16, Math.floor(spec.memoryMb * HEAP_SHARE));
    this.child = spawn(process.execPath, [`--max-old-space-size=${heapMb}`, BOOTSTRAP, JSON.stringify({
      codeDirectory: spec.codeDirectory,
      handlerModule: spec.handlerModule,
      handlerExport: spec.handlerExport,
    })], {
      cwd: spec.codeDirectory,
      env: { ...environment, TMPDIR: this.tmp, TMP: this.tmp, TEMP: this.tmp },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
    });
    this.pid = this.child.pid ?? -1;
    if (this.pid > 0) liveGroups.add(this.pid);
    this.exited = new Promise((resolve) => {
      this.child.once('exit', () => resolve());
      // A process that never started emits no exit.
      if (this.pid <= 0) this.child.once('error', () => resolve());
    });
    this.ready = new Promise<number>((resolve, reject) => {
      const onMessage = (message: ChildMessage) => {
        if (message.type === 'ready') resolve(message.initMs ?? 0);
        else if (message.type === 'init-error') {
          this.initError = message.error;
          reject(new Error(message.error?.errorMessage));
        }
      };
      this.child.on('message', onMessage);
      this.child.once('exit', () => reject(new Error('The execution environment exited during init')));
      this.child.once('error', (error) => reject(error));
    });
    // The ready promise may settle before anyone awaits it (init errors are reported per invocation).
    this.ready.catch(() => undefined);
    this.child.on('message', (message: ChildMessage) => this.onMessage(message));
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => this.onRawOutput('stdout', chunk));
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => this.onRawOutput('stderr', chunk));
    this.child.on('error', (error) => {
      if (this.pid <= 0) {
        this.dead = true;
        rmSync(this.tmp, { recursive: true, force: true });
        this.onExit(this);
      }
      this.fail({ errorType: 'Runtime.ExitError', errorMessage: `The execution environment failed: ${error.message}` });
    });
    this.child.once('exit', (code, signal) => {
      this.dead = true;
      liveGroups.delete(this.pid);
      // Whatever the function left in the group (a detached ffmpeg) goes with it, as on Lambda.
      if (this.pid > 0) killGroup(this.pid);
      rmSync(this.tmp, { recursive: true, force: true });
      this.exitedWith = this.exitError(code, signal);
      this.fail(this.exitedWith);
      this.onExit(this);
    });
  }

  get alive(): boolean {
    return !this.dead;
  }

  async invoke(event: unknown, context: ContextFields): Promise<InstanceInvocation> {
    const requestId = context.awsRequestId ?? crypto.randomUUID();
    const coldStart = this.invocations++ === 0;
    const startedAt = Date.now();
    const started = performance.now();
    const logs: LogLine[] = coldStart ? this.looseLogs.splice(0) : [];
    let initMs: number | undefined;
    const finish = (fields: Partial<InstanceInvocation> & { ok: boolean; timedOut: boolean }): InstanceInvocation => ({
      requestId,
      coldStart,
      startedAt,
      endedAt: Date.now(),
      durationMs: performance.now() - started - (initMs ?? 0),
      logs,
      ...(initMs !== undefined ? { initDurationMs: initMs } : {}),
      ...(this.peakBytes > 0 ? { peakMemoryBytes: this.peakBytes } : {}),
      ...fields,
    });
    const watchdog = setInterval(() => this.sampleMemory(requestId), MEMORY_SAMPLE_MS);
    try {
      if (coldStart) {
        const init = await this.raceTimer(this.ready, INIT_LIMIT_MS);
        if (init === 'timeout') {
          await this.terminate();
          return finish({ ok: false, timedOut: true, error: { errorType: 'Runtime.InitTimeout', errorMessage: `Init did not finish within ${INIT_LIMIT_MS} ms` } });
        }
        if (init instanceof Error) {
          await this.terminate();
          return finish({ ok: false, timedOut: false, error: this.initError ?? this.exitedWith ?? { errorType: 'Runtime.InitError', errorMessage: init.message } });
        }
        initMs = init;
      }
      if (this.dead) {
        return finish({ ok: false, timedOut: false, error: this.killedFor ?? { errorType: 'Runtime.ExitError', errorMessage: 'The execution environment is gone' } });
      }
      const timeoutMs = this.spec.timeoutSeconds * 1000;
      const result = new Promise<Settled>((resolve) => {
        this.pending = { requestId, logs, settle: resolve };
      });
      if (!this.child.connected) this.fail({ errorType: 'Runtime.ExitError', errorMessage: 'The execution environment is gone' });
      else {
        this.child.send({ type: 'invoke', id: requestId, event, context: { ...context, awsRequestId: requestId, deadlineMs: Date.now() + timeoutMs } }, (error) => {
          if (error) this.fail({ errorType: 'Runtime.ExitError', errorMessage: `The event could not be handed to the execution environment: ${error.message}` });
        });
      }
      const settled = await this.raceTimer(result, timeoutMs);
      this.pending = undefined;
      if (settled === 'timeout') {
        this.killedFor = timeoutError(this.spec.timeoutSeconds);
        await this.terminate();
        return finish({ ok: false, timedOut: true, error: timeoutError(this.spec.timeoutSeconds) });
      }
      if (settled instanceof Error || settled.kind === 'failed') {
        await this.terminate();
        const error = settled instanceof Error ? { errorType: 'Runtime.Unknown', errorMessage: settled.message } : settled.error;
        return finish({ ok: false, timedOut: false, error });
      }
      this.sampleMemory(requestId);
      if (this.killedFor) {
        // Over its memory at the last sample: the environment is being killed, as on Lambda.
        await this.terminate();
        return finish({ ok: false, timedOut: false, error: this.killedFor });
      }
      const message = settled.message;
      const storage = this.checkEphemeralStorage();
      if (storage.error) {
        await this.terminate();
        return finish({ ok: false, timedOut: false, error: storage.error, ephemeralStorageBytes: storage.bytes });
      }
      return finish({
        ok: message.ok === true,
        timedOut: false,
        ephemeralStorageBytes: storage.bytes,
        ...(message.ok ? { value: message.value } : { error: message.error }),
      });
    } finally {
      clearInterval(watchdog);
    }
  }

  async terminate(): Promise<void> {
    if (!this.dead && this.pid > 0) killTree(this.pid);
    await this.exited;
  }

  /**
   * Lambda counts everything in the sandbox against MemorySize; here that is the resident memory of
   * the process tree. Over it, the environment is killed as Lambda's is.
   */
  private sampleMemory(requestId: string): void {
    if (this.dead || this.pid <= 0) return;
    const now = Math.max(treeResidentBytes(processTree(this.pid)), peakResidentBytes(this.pid));
    this.peakBytes = Math.max(this.peakBytes, now);
    const limit = this.spec.memoryMb * MIB;
    if (now > limit && !this.killedFor) {
      this.killedFor = outOfMemory(requestId, now, this.spec.memoryMb);
      killTree(this.pid);
    }
  }

  private checkEphemeralStorage(): { bytes: number; error?: InvocationError } {
    const bytes = directoryBytes(this.tmp);
    const limitMb = this.spec.ephemeralStorageMb;
    if (bytes <= limitMb * MIB) return { bytes };
    return {
      bytes,
      error: {
        errorType: 'Runtime.EphemeralStorageExceeded',
        errorMessage: `The function left ${(bytes / MIB).toFixed(1)} MB in /tmp (TMPDIR), over its EphemeralStorage of ${limitMb} MB: on Lambda its writes would have failed with ENOSPC`,
      },
    };
  }

  private exitError(code: number | null, signal: NodeJS.Signals | null): InvocationError {
    if (this.killedFor) return this.killedFor;
    if (this.crashError) return this.crashError;
    const tail = this.stderrTail.join('\n');
    if (/heap out of memory|Reached heap limit/i.test(tail)) {
      return outOfMemory(this.pending?.requestId ?? '', this.peakBytes, this.spec.memoryMb, 'the JavaScript heap is full');
    }
    // Lambda's wording is Go's: "signal: killed", "exit status 1".
    const how = signal ? `signal: ${SIGNAL_WORDS[signal] ?? signal}` : `exit status ${code}`;
    return { errorType: 'Runtime.ExitError', errorMessage: `Runtime exited with error: ${how}`, ...(tail ? { stack: this.stderrTail.slice() } : {}) };
  }

  /** Fails the invocation in flight, if any: its environment is gone or going. */
  private fail(error: InvocationError): void {
    const pending = this.pending;
    if (!pending) return;
    this.pending = undefined;
    pending.settle({ kind: 'failed', error });
  }

  private onMessage(message: ChildMessage): void {
    if (message.type === 'log') {
      const line: LogLine = { stream: message.stream ?? 'stdout', text: message.text ?? '' };
      const target = this.pending && message.invocation === this.pending.requestId ? this.pending.logs : this.looseLogs;
      if (target.length < MAX_LOG_LINES) target.push(line);
    } else if (message.type === 'crash') {
      this.crashError = message.error;
    } else if (message.type === 'result' && this.pending && message.id === this.pending.requestId) {
      const pending = this.pending;
      this.pending = undefined;
      pending.settle({ kind: 'result', message });
    }
  }

  /** What reaches the pipes: output of child processes, and Node's own fatal messages. */
  private onRawOutput(stream: 'stdout' | 'stderr', chunk: string): void {
    for (const text of chunk.split('\n')) {
      if (!text) continue;
      if (stream === 'stderr') {
        this.stderrTail.push(text);
        if (this.stderrTail.length > 20) this.stderrTail.shift();
      }
      const target = this.pending ? this.pending.logs : this.looseLogs;
      if (target.length < MAX_LOG_LINES) target.push({ stream, text });
    }
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

const SIGNAL_WORDS: Partial<Record<NodeJS.Signals, string>> = { SIGKILL: 'killed', SIGABRT: 'aborted', SIGSEGV: 'segmentation fault', SIGTERM: 'terminated', SIGBUS: 'bus error' };

/** Lambda's report for an environment killed over its memory: the runtime exits on SIGKILL. */
function outOfMemory(requestId: string, usedBytes: number, memoryMb: number, why?: string): InvocationError {
  const used = Math.ceil(usedBytes / MIB);
  return {
    errorType: 'Runtime.OutOfMemory',
    errorMessage:
      `RequestId: ${requestId} Error: Runtime exited with error: signal: killed (out of memory: ` +
      `${why ? `${why}; ` : ''}${used} MB used of the function's MemorySize ${memoryMb} MB)`,
  };
}

/** Starts process environments: the runtime's {@link EnvironmentFactory}. */
export function startProcessEnvironment(
  spec: FunctionSpec,
  environment: Readonly<Record<string, string>>,
  onExit: (environment: ExecutionEnvironment) => void,
): ExecutionEnvironment {
  return new ProcessEnvironment(spec, environment, onExit);
}
