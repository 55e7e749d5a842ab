import type { FunctionSpec } from './function-spec.ts';

/**
 * What one execution environment is to the rest of the runtime, whatever runs it: the process
 * environment (lib/local/lambda/process-environment.ts) here, a worker thread in bench/local only.
 */

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
  /** Peak memory of the environment so far (Lambda's Max Memory Used is per environment too). */
  readonly peakMemoryBytes?: number;
  /** Bytes in the environment's /tmp after the invocation, measured against its EphemeralStorage. */
  readonly ephemeralStorageBytes?: number;
  readonly logs: readonly LogLine[];
}

/** The Lambda context fields the host hands an environment; the deadline is added per invocation. */
export type ContextFields = Readonly<Record<string, string>>;

/** One execution environment: one invocation at a time, reused while warm. */
export interface ExecutionEnvironment {
  readonly alive: boolean;
  /** Runs one event; resolves (never rejects) with what happened, the way Lambda reports it. */
  invoke(event: unknown, context: ContextFields): Promise<InstanceInvocation>;
  /** Ends the environment and everything it started; resolves once it is gone. */
  terminate(): Promise<void>;
}

/** Starts an environment for a function; `onExit` is called once when it is gone, for any reason. */
export type EnvironmentFactory = (
  spec: FunctionSpec,
  environment: Readonly<Record<string, string>>,
  onExit: (environment: ExecutionEnvironment) => void,
) => ExecutionEnvironment;

/** Lambda's init phase limit: an init slower than this fails the invocation, whatever its timeout. */
export const INIT_LIMIT_MS = 10_000;
/** Lines kept per invocation: enough to read a failure, bounded for long bursts. */
export const MAX_LOG_LINES = 200;

/** What Lambda reports for an invocation that outlived its timeout. */
export function timeoutError(seconds: number): InvocationError {
  return { errorType: 'Sandbox.Timedout', errorMessage: `Task timed out after ${seconds.toFixed(2)} seconds` };
}
