import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalErrorCode, LocalRuntimeError } from '../errors.ts';
import type { PipelineRoute } from '../pipelines.ts';
import { STATE_DIR } from './boot.ts';

/** What `dev` publishes so `upload` (another process) can find the running runtime. */
export interface DevState {
  readonly pid: number;
  readonly preset: string;
  readonly endpoint: string;
  readonly region: string;
  readonly dynamoDbEndpoint?: string;
  /** The task API on loopback, when the preset has a task table. */
  readonly taskApiUrl?: string;
  /** The console page on loopback (`media-kit console` prints and opens it). */
  readonly consoleUrl?: string;
  readonly pipelines: readonly PipelineRoute[];
  readonly startedAt: string;
}

const STATE_FILE = join(STATE_DIR, 'dev.json');

export function writeDevState(state: DevState): void {
  mkdirSync(STATE_DIR, { recursive: true });
  writeFileSync(STATE_FILE, `${JSON.stringify(state, null, 2)}\n`);
}

export function clearDevState(pid: number): void {
  if (readState()?.pid === pid) rmSync(STATE_FILE, { force: true });
}

/** The running dev runtime, or NOT_RUNNING when there is none (or its process is gone). */
export function readDevState(): DevState {
  const state = readState();
  if (!state) throw new LocalRuntimeError(LocalErrorCode.NOT_RUNNING, 'No dev runtime is running: start one with `npm start` (media-kit dev)');
  try {
    process.kill(state.pid, 0);
  } catch {
    throw new LocalRuntimeError(LocalErrorCode.NOT_RUNNING, `The dev runtime (pid ${state.pid}) is gone: start one with \`npm start\``);
  }
  return state;
}

function readState(): DevState | undefined {
  if (!existsSync(STATE_FILE)) return undefined;
  return JSON.parse(readFileSync(STATE_FILE, 'utf8')) as DevState;
}
