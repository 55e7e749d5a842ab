import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve, sep } from 'node:path';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { LocalErrorCode, LocalRuntimeError } from '../errors.ts';
import type { PipelineRoute } from '../pipelines.ts';
import type { TaskRecord } from '../../../functions/shared/tasks/task-record.ts';
import { isTerminal } from '../../../functions/shared/tasks/task-states.ts';
import type { Task } from '../tasks/outcome-tracker.ts';

export interface OutputReport {
  readonly bucket: string;
  readonly key: string;
  readonly bytes: number;
  readonly contentType: string;
  path?: string;
}

/** One item of the `run` report (DESIGN.md, "CLI contract"). */
export interface ItemReport {
  readonly input: string;
  readonly pipeline: string;
  /** The task in the task table (absent when the assembly has none). */
  readonly taskId?: string;
  readonly key: string;
  /** `superseded`: the object was overwritten before it was read; the newer upload is its own task. */
  readonly status: 'succeeded' | 'failed' | 'superseded' | 'pending';
  readonly attempts: number;
  readonly durationMs: number;
  readonly outputs: OutputReport[];
  result?: unknown;
  error?: { code: string; message: string };
}

export interface RunReport {
  readonly preset: string;
  readonly items: ItemReport[];
  readonly summary: { succeeded: number; failed: number; superseded?: number; pending?: number; wallMs: number };
}

/**
 * The item as the task table tells it: its task id, and the table's terminal state, attempts and
 * error, which is where `run` takes outcomes from when the assembly has a task table.
 */
export function withTaskRecord(item: ItemReport, task: TaskRecord | undefined): ItemReport {
  if (!task) return item;
  const { input, pipeline, key, ...rest } = item;
  const status: ItemReport['status'] =
    task.state === 'succeeded' ? 'succeeded' : task.state === 'superseded' ? 'superseded' : isTerminal(task.state) ? 'failed' : item.status;
  const error = status === 'failed' ? (task.failure ? { code: task.failure.code, message: task.failure.message } : (item.error ?? { code: task.state.toUpperCase(), message: `The task is ${task.state}` })) : undefined;
  const { error: _old, ...fields } = rest;
  return {
    input,
    pipeline,
    taskId: task.taskId,
    key,
    ...fields,
    status,
    attempts: Math.max(task.attemptCount, item.attempts),
    ...(error ? { error } : {}),
  };
}

/** Counts per status; `superseded` and `pending` appear only when there are some. */
export function summarize(items: readonly ItemReport[], wallMs: number): RunReport['summary'] {
  const count = (status: ItemReport['status']) => items.filter((item) => item.status === status).length;
  const superseded = count('superseded');
  const pending = count('pending');
  return {
    succeeded: count('succeeded'),
    failed: count('failed'),
    ...(superseded > 0 ? { superseded } : {}),
    ...(pending > 0 ? { pending } : {}),
    wallMs: Math.round(wallMs),
  };
}

/**
 * What one task produced: its result (the result document its pipeline's contract names) and every
 * object in its output folder, or its error. With `outDir`, outputs (and a failure record) are
 * downloaded under their keys.
 */
export async function describeTask(s3: S3Client, input: string, task: Task, outDir?: string): Promise<ItemReport> {
  const { pipeline } = task;
  // Fields in the order DESIGN.md shows them.
  const base = (status: ItemReport['status']) => ({
    input,
    pipeline: pipeline.id,
    key: task.key,
    status,
    attempts: task.attempts,
    durationMs: Math.round((task.endedAt ?? Date.now()) - task.uploadedAt),
  });
  if (task.status === 'pending') {
    return { ...base('pending'), outputs: [], error: { code: 'TIMEOUT', message: 'No terminal outcome before the timeout' } };
  }
  if (task.status === 'superseded') {
    // No outputs: the newer upload of the key wrote (or will write) its own, reported as its own task.
    return { ...base('superseded'), outputs: [] };
  }
  if (task.status === 'failed') {
    const item: ItemReport = { ...base('failed'), outputs: [], error: { code: task.error?.code ?? 'UNKNOWN', message: task.error?.message ?? '' } };
    if (outDir && task.end === 'failure-record') await download(s3, pipeline.resultsBucket, task.failureKey, outDir);
    return item;
  }
  const folder = task.resultKey.slice(0, task.resultKey.lastIndexOf('/') + 1);
  const outputs: OutputReport[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: pipeline.resultsBucket, Prefix: folder, ContinuationToken: token }));
    for (const object of page.Contents ?? []) {
      const head = await s3.send(new HeadObjectCommand({ Bucket: pipeline.resultsBucket, Key: object.Key! }));
      outputs.push({ bucket: pipeline.resultsBucket, key: object.Key!, bytes: object.Size ?? 0, contentType: head.ContentType ?? 'application/octet-stream' });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  const document = await s3.send(new GetObjectCommand({ Bucket: pipeline.resultsBucket, Key: task.resultKey }));
  const result = JSON.parse(await document.Body!.transformToString()) as unknown;
  if (outDir) {
    for (const output of outputs) output.path = await download(s3, output.bucket, output.key, outDir);
  }
  return { ...base('succeeded'), outputs, result };
}

/** An input whose upload had not become a task (its event not yet delivered) when the deadline passed. */
export function describeUnstarted(input: string, pipeline: PipelineRoute, name: string, since: number): ItemReport {
  return {
    input,
    pipeline: pipeline.id,
    key: `${pipeline.ingestPrefix}${name}`,
    status: 'pending',
    attempts: 0,
    durationMs: Math.round(performance.now() - since),
    outputs: [],
    error: { code: 'TIMEOUT', message: 'The upload had not been delivered to its pipeline before the timeout' },
  };
}

async function download(s3: S3Client, bucket: string, key: string, outDir: string): Promise<string> {
  const root = resolve(outDir);
  const path = resolve(root, ...key.split('/'));
  if (!path.startsWith(`${root}${sep}`)) {
    throw new LocalRuntimeError(LocalErrorCode.USAGE, `Output key ${key} would be written outside ${outDir}`, { key });
  }
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, await object.Body!.transformToByteArray());
  return path;
}
