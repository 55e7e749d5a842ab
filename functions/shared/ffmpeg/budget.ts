import { VideoErrorCode, videoError } from './errors.ts';

/**
 * Every ffmpeg/ffprobe run is bounded by the object's time budget, given as an AbortSignal
 * (`AbortSignal.timeout(ms)`, or one the handler aborts when the invocation's remaining time is
 * short). When it fires the child is killed with SIGKILL — ffmpeg can ignore SIGTERM while blocked
 * on a stalled read — and the run fails with VIDEO_PROCESSING_TIMEOUT (permanent: the same bytes
 * would blow the same budget again).
 */
export interface RunContext {
  readonly signal: AbortSignal;
}

export function timeoutError(tool: string, startedAt: number, reason?: unknown) {
  const elapsedMs = Math.round(performance.now() - startedAt);
  const why = reason instanceof Error && reason.message ? ` (${reason.message})` : '';
  return videoError(
    VideoErrorCode.VIDEO_PROCESSING_TIMEOUT,
    `the object's time budget ran out after ${elapsedMs} ms; ${tool === 'http' ? 'the source read was abandoned' : `${tool} was killed`}${why}`,
    { tool, elapsedMs },
  );
}

/** Throws the timeout error if the budget is already spent, before any child is started. */
export function assertBudgetLeft(tool: string, context: RunContext): void {
  if (context.signal.aborted) throw timeoutError(tool, performance.now(), context.signal.reason);
}
