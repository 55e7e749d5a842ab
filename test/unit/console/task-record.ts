import type { TaskRecord } from '../../../functions/shared/tasks/task-record.ts';

/** A task record as the task API answers it: a finished image task unless `overrides` say otherwise. */
export function taskRecord(overrides: Partial<TaskRecord> & Pick<TaskRecord, 'taskId'>): TaskRecord {
  return {
    pipeline: 'image',
    state: 'succeeded',
    origin: 'upload',
    input: { bucket: 'in', key: `uploads/${overrides.taskId}.jpg` },
    createdAt: 1000,
    updatedAt: 2000,
    attempts: [],
    attemptCount: 0,
    gbSeconds: 0,
    costUsd: 0,
    ...overrides,
  };
}
