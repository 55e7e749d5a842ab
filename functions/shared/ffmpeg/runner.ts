import type { ChildProcess } from 'node:child_process';
import ffmpeg from 'fluent-ffmpeg';
import { assertBudgetLeft, type RunContext, timeoutError } from './budget.ts';
import { FfmpegToolCode, FfmpegToolError } from './errors.ts';
import { crashError, isCrash, spawnError } from './process.ts';

/**
 * The one file that knows fluent-ffmpeg (archived upstream). Everything else describes an ffmpeg
 * run as plain arguments in an FfmpegJob, so replacing fluent-ffmpeg by a direct spawn touches
 * this file only.
 */

export interface FfmpegJob {
  readonly inputs: ReadonlyArray<{ readonly source: string; readonly options?: readonly string[] }>;
  /** `-filter_complex` graph, when the job needs one. */
  readonly complexFilter?: string;
  readonly outputs: ReadonlyArray<{ readonly target: string; readonly options?: readonly string[] }>;
}

export interface FfmpegRunOptions extends RunContext {
  /** Every stderr line as ffmpeg writes it (showinfo timestamps, stream reports). */
  readonly onStderrLine?: (line: string) => void;
}

export interface FfmpegRunResult {
  readonly exitCode: number | null;
  readonly exitSignal: NodeJS.Signals | null;
  /** The last stderr lines (for error messages). */
  readonly stderrTail: string;
}

/** Quiet by default: no banner, no progress lines; showinfo and stream reports are at info level. */
const COMMON_INPUT_OPTIONS = ['-hide_banner', '-nostats', '-nostdin'];
const TAIL_LINES = 40;

/**
 * Runs ffmpeg under the budget and resolves with how it exited; a non-zero exit is the caller's
 * to interpret (it knows whether "no output" is an input error). A signal death is a crash
 * (FfmpegToolError); budget expiry kills the child and throws VIDEO_PROCESSING_TIMEOUT.
 */
export function runFfmpeg(binary: string, job: FfmpegJob, options: FfmpegRunOptions): Promise<FfmpegRunResult> {
  assertBudgetLeft('ffmpeg', options);
  const startedAt = performance.now();
  const command = ffmpeg({ stdoutLines: TAIL_LINES }).setFfmpegPath(binary);
  job.inputs.forEach((input, index) => {
    command.input(input.source);
    addOptions(index === 0 ? [...COMMON_INPUT_OPTIONS, ...(input.options ?? [])] : (input.options ?? []), (...o) => command.inputOptions(...o));
  });
  if (job.complexFilter) command.complexFilter(job.complexFilter);
  for (const output of job.outputs) {
    command.output(output.target);
    addOptions(output.options ?? [], (...o) => command.outputOptions(...o));
  }
  const tail: string[] = [];
  return new Promise((resolve, reject) => {
    let killedForBudget = false;
    let child: ChildProcess | undefined;
    let settled = false;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      options.signal.removeEventListener('abort', onAbort);
      outcome();
    };
    // fluent-ffmpeg spawns asynchronously (after its capability checks): a budget that expires
    // before the spawn kills the child the moment it starts.
    const onAbort = () => {
      killedForBudget = true;
      if (command.ffmpegProc) command.ffmpegProc.kill('SIGKILL');
    };
    options.signal.addEventListener('abort', onAbort, { once: true });
    command.on('start', () => {
      child = command.ffmpegProc;
      if (killedForBudget) child?.kill('SIGKILL');
    });
    command.on('stderr', (line) => {
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
      options.onStderrLine?.(line);
    });
    const settle = (error?: Error) =>
      finish(() => {
        if (killedForBudget) return reject(timeoutError('ffmpeg', startedAt, options.signal.reason));
        const stderrTail = tail.join('\n');
        // fluent-ffmpeg reports the end from its own 'exit' listener; the child has its status by then.
        const exit = child && (child.exitCode !== null || child.signalCode !== null) ? { exitCode: child.exitCode, exitSignal: child.signalCode } : undefined;
        if (!exit) {
          // No exit seen: the spawn itself failed (ENOENT/EACCES/ENOEXEC) or fluent-ffmpeg did.
          const errno = (error as NodeJS.ErrnoException | undefined)?.code;
          if (errno) return reject(spawnError('ffmpeg', binary, error as NodeJS.ErrnoException));
          return reject(new FfmpegToolError(FfmpegToolCode.FFMPEG_FAILED, `ffmpeg could not run: ${error?.message ?? 'unknown'}`, { path: binary }, { cause: error }));
        }
        if (isCrash(exit)) return reject(crashError('ffmpeg', binary, exit, stderrTail));
        resolve({ ...exit, stderrTail });
      });
    command.on('error', (error) => settle(error));
    command.on('end', () => settle());
    command.run();
  });
}

/**
 * fluent-ffmpeg splits a lone option on its space ("-ss 5" → two); passing several at once keeps
 * each argument intact, which values with spaces (a var_stream_map) need.
 */
function addOptions(options: readonly string[], add: (...options: string[]) => unknown): void {
  if (options.length === 0) return;
  if (options.length === 1 && options[0]!.includes(' ')) throw new Error(`ambiguous lone ffmpeg option "${options[0]}"`);
  add(...options);
}

