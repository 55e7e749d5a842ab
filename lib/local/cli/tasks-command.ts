import type { TaskRecord } from '../../../functions/shared/tasks/task-record.ts';
import { isTaskState, TASK_STATES } from '../../../functions/shared/tasks/task-states.ts';
import { LocalErrorCode, LocalRuntimeError } from '../errors.ts';
import { bold, dim, green, red, yellow } from './format.ts';
import { TaskApiClient } from './task-api-client.ts';
import { resolveTaskApi } from './task-api-target.ts';

export interface TasksOptions {
  readonly action: string | undefined;
  readonly id?: string;
  readonly pipeline?: string;
  readonly state?: string;
  readonly json: boolean;
  readonly stack?: string;
}

const ACTIONS = ['list', 'show', 'retry', 'stop'] as const;

/** `media-kit tasks [list|show ID|retry ID|stop ID]`: the task API from the command line. */
export async function tasksCommand(options: TasksOptions): Promise<number> {
  const action = options.action ?? 'list';
  if (!(ACTIONS as readonly string[]).includes(action)) throw new LocalRuntimeError(LocalErrorCode.USAGE, `tasks takes ${ACTIONS.join(', ')}, not '${action}'`);
  if (action !== 'list' && !options.id) throw new LocalRuntimeError(LocalErrorCode.USAGE, `tasks ${action} needs a task id`);
  if (options.state !== undefined && !isTaskState(options.state)) {
    throw new LocalRuntimeError(LocalErrorCode.USAGE, `--state takes one of ${TASK_STATES.join(', ')}, not '${options.state}'`);
  }
  const client = new TaskApiClient(await resolveTaskApi(options));
  const print = (value: unknown, human: () => string) => console.log(options.json ? JSON.stringify(value, null, 2) : human());

  switch (action) {
    case 'list': {
      const tasks = await client.listAll({ pipeline: options.pipeline, state: options.state });
      print({ tasks }, () => taskTable(tasks));
      return 0;
    }
    case 'show': {
      const { task } = await client.expectOk<{ task: TaskRecord }>('GET', `/tasks/${encodeURIComponent(options.id!)}`);
      print({ task }, () => taskDetail(task));
      return 0;
    }
    case 'retry': {
      const { task } = await client.expectOk<{ task: TaskRecord }>('POST', `/tasks/${encodeURIComponent(options.id!)}/retry`);
      print({ task }, () => `${green('↻')} ${task.taskId} is ${task.state} again (retry ${task.retries ?? 1}); its message is back on the ${task.pipeline} queue`);
      return 0;
    }
    default: {
      const answer = await client.expectOk<{ stopped: boolean; state?: string; message?: string }>('POST', `/tasks/${encodeURIComponent(options.id!)}/stop`);
      print(answer, () => (answer.stopped ? `${green('■')} ${options.id} stopped` : `${yellow('…')} ${options.id} is ${answer.state}: ${answer.message ?? 'not stopped'}`));
      return 0;
    }
  }
}

function stateLabel(state: string): string {
  if (state === 'succeeded') return green(state);
  if (state === 'failed' || state === 'dead-lettered') return red(state);
  return yellow(state);
}

function duration(task: TaskRecord): string {
  const ms = task.attempts.reduce((sum, a) => sum + (a.durationMs ?? 0), 0);
  return ms > 0 ? `${ms} ms` : '-';
}

export function taskTable(tasks: readonly TaskRecord[]): string {
  if (tasks.length === 0) return dim('no tasks');
  const rows = tasks.map((t) => [t.taskId, t.pipeline, t.state, String(t.attemptCount), duration(t), `$${t.costUsd.toFixed(8)}`, t.input.key]);
  const headers = ['task', 'pipeline', 'state', 'attempts', 'duration', 'cost', 'key'];
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[], paintState = false) =>
    cells.map((cell, i) => (paintState && i === 2 ? stateLabel(cell) + ' '.repeat(widths[i]! - cell.length) : cell.padEnd(widths[i]!))).join('  ');
  return [bold(line(headers)), ...rows.map((r) => line(r, true))].join('\n');
}

export function taskDetail(task: TaskRecord): string {
  const lines = [
    `${bold(task.taskId)}  ${task.pipeline}  ${stateLabel(task.state)}`,
    `input     s3://${task.input.bucket}/${task.input.key}${task.input.size !== undefined ? `  ${task.input.size} bytes` : ''}`,
    `created   ${new Date(task.createdAt).toISOString()}${task.finishedAt ? `   finished ${new Date(task.finishedAt).toISOString()}` : ''}`,
    ...(task.resultKey ? [`result    ${task.resultKey}`] : []),
    ...(task.failure ? [`failure   ${red(task.failure.code)} ${task.failure.message}`] : []),
    `cost      $${task.costUsd.toFixed(8)}  (${task.gbSeconds.toFixed(4)} GB-s)`,
    'attempts',
    ...task.attempts.map(
      (a) =>
        `  ${a.attempt}. ${new Date(a.startedAt).toISOString()}  ${a.durationMs ?? '-'} ms (billed ${a.billedDurationMs ?? '-'} ms)  ${a.memoryUsedMb ?? '-'}/${a.memoryMb} MB  ${a.outcome ?? 'running'}${a.error ? `  ${a.error.code}: ${a.error.message}` : ''}  ${dim(a.requestId)}`,
    ),
  ];
  return lines.join('\n');
}
