/**
 * The task state machine of DESIGN.md ("Tasks"), shared by the worker's conditional writes, the
 * task API and the CLI. A delivery may only move a task along {@link DELIVERY_TRANSITIONS}; only an
 * explicit retry reopens a finished task, so a late or duplicate delivery never moves it backwards.
 */
export const TASK_STATES = ['queued', 'running', 'retrying', 'succeeded', 'failed', 'superseded', 'dead-lettered', 'stopped'] as const;
export type TaskState = (typeof TASK_STATES)[number];

export const TERMINAL_STATES: ReadonlySet<TaskState> = new Set(['succeeded', 'failed', 'superseded', 'dead-lettered', 'stopped']);

export function isTerminal(state: TaskState): boolean {
  return TERMINAL_STATES.has(state);
}

/** What each state may become through the pipeline's own work (deliveries, the DLQ recorder, stop). */
const DELIVERY_TRANSITIONS: Readonly<Record<TaskState, readonly TaskState[]>> = {
  queued: ['running', 'stopped', 'dead-lettered'],
  running: ['running', 'succeeded', 'failed', 'superseded', 'retrying', 'dead-lettered'],
  retrying: ['running', 'stopped', 'dead-lettered'],
  succeeded: [],
  failed: [],
  superseded: [],
  'dead-lettered': [],
  stopped: [],
};

/** Finished tasks a user may run again: a new attempt of the same task, linked to it. */
export const RETRYABLE_STATES: ReadonlySet<TaskState> = new Set(['failed', 'dead-lettered', 'stopped']);

/** States a stop request takes effect in: the task is not started again. */
export const STOPPABLE_STATES: ReadonlySet<TaskState> = new Set(['queued', 'retrying']);

export function canTransition(from: TaskState | undefined, to: TaskState): boolean {
  // A task first seen by its worker (an upload has no record before its first delivery) may start in any state.
  if (from === undefined) return true;
  return DELIVERY_TRANSITIONS[from].includes(to);
}

/** The states a record must be in for a write that moves it to `to`: the condition of that write. */
export function allowedSources(to: TaskState): TaskState[] {
  return TASK_STATES.filter((from) => DELIVERY_TRANSITIONS[from].includes(to));
}

export function isTaskState(value: unknown): value is TaskState {
  return typeof value === 'string' && (TASK_STATES as readonly string[]).includes(value);
}
