/**
 * The local time scale: how much faster than on AWS the runtime lets queue visibility timeouts and
 * retry delays run, so `media-kit run` sees a retried and dead-lettered item within minutes rather
 * than the hour a deployed queue takes. Handler timeouts, batching windows and schedules stay real.
 * 1 is real time.
 */

/** `media-kit run`'s default: a minute on AWS is a second locally. */
export const RUN_TIME_SCALE = 60;

/** A wait of `seconds` on AWS, in whole seconds locally (SQS takes whole seconds; at least 1 when it was more than 0). */
export function scaledSeconds(seconds: number, factor: number): number {
  if (factor <= 1 || seconds <= 0) return seconds;
  return Math.max(1, Math.round(seconds / factor));
}

/** A wait of `ms` on AWS, locally. */
export function scaledMs(ms: number, factor: number): number {
  return factor <= 1 ? ms : ms / factor;
}

/** Whether a factor is one the runtime takes: a finite number, 1 or more. */
export function validTimeScale(factor: number): boolean {
  return Number.isFinite(factor) && factor >= 1;
}
