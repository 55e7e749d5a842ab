import type { Task } from '../tasks/outcome-tracker.ts';
import type { InvocationRecord } from '../tasks/task-log.ts';

const useColour = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code: number) => (text: string) => (useColour ? `\u001b[${code}m${text}\u001b[0m` : text);
export const green = paint(32);
export const red = paint(31);
export const yellow = paint(33);
export const dim = paint(2);
export const bold = paint(1);

/** One line per terminal task: what the user watches scroll by in `dev` and `run`. */
export function taskLine(task: Task): string {
  const ms = Math.round((task.endedAt ?? Date.now()) - task.uploadedAt);
  const attempt = task.attempts > 1 ? `, ${task.attempts} attempts` : '';
  if (task.status === 'succeeded') {
    return `${green('✓')} ${task.pipeline.id.padEnd(6)} ${task.key}  ${dim(`→ s3://${task.pipeline.resultsBucket}/${task.resultKey}  ${ms} ms${attempt}`)}`;
  }
  if (task.status === 'failed') {
    return `${red('✗')} ${task.pipeline.id.padEnd(6)} ${task.key}  ${red(task.error?.code ?? 'FAILED')} ${task.error?.message ?? ''}  ${dim(`${ms} ms${attempt}`)}`;
  }
  if (task.status === 'superseded') {
    return `${yellow('↷')} ${task.pipeline.id.padEnd(6)} ${task.key}  superseded ${dim(`(overwritten before it was read; the newer upload is its own task)  ${ms} ms`)}`;
  }
  return `${yellow('…')} ${task.pipeline.id.padEnd(6)} ${task.key}  pending`;
}

export function progress(message: string): void {
  process.stderr.write(`${dim('media-kit')} ${message}\n`);
}

/** A failed or partial invocation: which keys, which attempt, and why. */
export function invocationLine(record: InvocationRecord): string {
  const keys = record.inputKeys.length > 3 ? `${record.inputKeys.slice(0, 3).join(', ')} +${record.inputKeys.length - 3}` : record.inputKeys.join(', ');
  const why = record.error ? `${record.error.errorType}: ${record.error.errorMessage}` : `${record.failedItems?.length ?? 0} item(s) reported failed`;
  return yellow(`↻ ${record.function} attempt ${record.attempt} ${record.outcome} [${keys}] ${why}`) + dim(` ${Math.round(record.durationMs ?? 0)} ms`);
}
