import { spawn } from 'node:child_process';
import { assertBudgetLeft, type RunContext, timeoutError } from './budget.ts';
import { FfmpegToolCode, FfmpegToolError } from './errors.ts';

export interface ProcessResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number | null;
  readonly exitSignal: NodeJS.Signals | null;
}

/** Output beyond this is dropped: a probe's JSON is a few KB; a hostile file must not fill memory. */
const MAX_CAPTURE_BYTES = 4 * 1024 * 1024;

/**
 * Runs a binary to completion under the budget, capturing stdout and stderr. A non-zero exit is
 * returned, not thrown: what it means depends on the caller. Budget expiry kills the child and
 * throws VIDEO_PROCESSING_TIMEOUT once it has exited.
 */
export function runProcess(binary: string, args: readonly string[], context: RunContext): Promise<ProcessResult> {
  const tool = toolName(binary);
  assertBudgetLeft(tool, context);
  const startedAt = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    const stdout = capture();
    const stderr = capture();
    child.stdout.on('data', stdout.append);
    child.stderr.on('data', stderr.append);
    let killedForBudget = false;
    const onAbort = () => {
      killedForBudget = true;
      child.kill('SIGKILL');
    };
    context.signal.addEventListener('abort', onAbort, { once: true });
    child.on('error', (error: NodeJS.ErrnoException) => {
      context.signal.removeEventListener('abort', onAbort);
      reject(spawnError(tool, binary, error));
    });
    child.on('close', (exitCode, exitSignal) => {
      context.signal.removeEventListener('abort', onAbort);
      if (killedForBudget) return reject(timeoutError(tool, startedAt, context.signal.reason));
      resolve({ stdout: stdout.text(), stderr: stderr.text(), exitCode, exitSignal });
    });
  });
}

function capture() {
  const chunks: Buffer[] = [];
  let bytes = 0;
  return {
    append: (chunk: Buffer) => {
      if (bytes >= MAX_CAPTURE_BYTES) return;
      chunks.push(chunk);
      bytes += chunk.length;
    },
    text: () => Buffer.concat(chunks).toString('utf8'),
  };
}

export function toolName(binary: string): string {
  return /ffprobe[^/\\]*$/.test(binary) ? 'ffprobe' : 'ffmpeg';
}

/** A spawn failure names the path: ENOENT/EACCES on their own say nothing about which binary. */
export function spawnError(tool: string, binary: string, error: NodeJS.ErrnoException): FfmpegToolError {
  if (error.code === 'EACCES') {
    return new FfmpegToolError(FfmpegToolCode.FFMPEG_BINARY_NOT_EXECUTABLE, `${tool} at ${binary} is not executable`, { path: binary }, { cause: error });
  }
  if (error.code === 'ENOENT') {
    return new FfmpegToolError(FfmpegToolCode.FFMPEG_BINARY_MISSING, `${tool} not found at ${binary}`, { path: binary }, { cause: error });
  }
  // ENOEXEC: an x86-64 binary on arm64 ("Exec format error") and the like.
  return new FfmpegToolError(FfmpegToolCode.FFMPEG_FAILED, `${tool} at ${binary} could not be started: ${error.message}`, { path: binary, errno: error.code }, { cause: error });
}

/** A death by signal (SIGSEGV is the exit 139 a shell shows) is the tool's crash, never the input's verdict. */
export function crashError(tool: string, binary: string, exit: { exitCode: number | null; exitSignal: NodeJS.Signals | null }, stderr: string): FfmpegToolError {
  const how = exit.exitSignal ? `signal ${exit.exitSignal}` : `exit code ${exit.exitCode}`;
  return new FfmpegToolError(FfmpegToolCode.FFMPEG_CRASHED, `${tool} (${binary}) crashed with ${how}`, {
    path: binary,
    exitCode: exit.exitCode,
    signal: exit.exitSignal,
    stderr: lastLines(stderr, 5),
  });
}

/** A crash is a signal death, or the shell-style 128+signal exit code a wrapper script reports. */
export function isCrash(exit: { exitCode: number | null; exitSignal: NodeJS.Signals | null }): boolean {
  return exit.exitSignal !== null || (exit.exitCode !== null && exit.exitCode > 128);
}

export function lastLines(text: string, count: number): string {
  return text.trim().split(/\r?\n/).slice(-count).join('\n');
}
