import type { TaskRecord } from '../../functions/shared/tasks/task-record.ts';

/** One line an invocation wrote (stdout or stderr), as the runtime captured it. */
export interface CapturedLine {
  readonly stream: 'stdout' | 'stderr';
  readonly text: string;
}

/**
 * The log lines of one invocation, looked up by its Lambda request id: the id every attempt
 * record carries (functions/shared/tasks) and every Lambda log line is stamped with, locally and
 * on AWS alike. Undefined when the invocation's lines are not (or no longer) kept.
 */
export type InvocationLogReader = (requestId: string) => readonly CapturedLine[] | undefined;

export interface AttemptLog {
  readonly attempt: number;
  readonly requestId: string;
  /** False when the reader holds nothing for this request id (another runtime's, or evicted). */
  readonly kept: boolean;
  readonly lines: readonly CapturedLine[];
  /** Lines of the same invocation that name another task or object of its batch, left out. */
  readonly otherTasksLines: number;
}

/**
 * Whether a line of an invocation belongs to this task. A batch invocation handles several
 * objects, and the worker's structured lines (Powertools JSON) name the one they are about by
 * `taskId` and `key`: such a line naming another task or object is another task's. Lines that
 * name neither (the runtime's, the invocation's own, a stack trace) belong to every task of it.
 */
export function isLineOfTask(line: CapturedLine, task: Pick<TaskRecord, 'taskId' | 'input'>): boolean {
  const text = line.text.trimStart();
  if (!text.startsWith('{')) return true;
  let fields: unknown;
  try {
    fields = JSON.parse(text);
  } catch {
    return true;
  }
  if (typeof fields !== 'object' || fields === null) return true;
  const { taskId, key } = fields as { taskId?: unknown; key?: unknown };
  if (typeof taskId === 'string') return taskId === task.taskId;
  if (typeof key === 'string') return key === task.input.key;
  return true;
}

/** Each attempt's log lines, in attempt order, from the invocation that ran it. */
export function attemptLogs(task: Pick<TaskRecord, 'taskId' | 'input' | 'attempts'>, read: InvocationLogReader): AttemptLog[] {
  return [...task.attempts]
    .sort((a, b) => a.attempt - b.attempt)
    .map((attempt) => {
      const captured = read(attempt.requestId);
      const lines = (captured ?? []).filter((line) => isLineOfTask(line, task));
      return { attempt: attempt.attempt, requestId: attempt.requestId, kept: captured !== undefined, lines, otherTasksLines: (captured?.length ?? 0) - lines.length };
    });
}
