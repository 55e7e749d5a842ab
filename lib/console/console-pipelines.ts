import { failureRecordKey } from '../../functions/shared/keys.ts';
import { outputFolderOf } from '../../functions/shared/pipeline-contract.ts';
import type { TaskRecord } from '../../functions/shared/tasks/task-record.ts';

/** What the console knows of a pipeline: where its inputs and results live (the pipeline contract). */
export interface ConsolePipeline {
  readonly id: string;
  readonly ingestBucket: string;
  readonly ingestPrefix: string;
  readonly resultsBucket: string;
  readonly outputPrefix: string;
  /** The result document's name inside the task's output folder (e.g. manifest.json), when the record has no resultKey. */
  readonly resultDocument?: string;
}

/**
 * Whether an object may be shown through the console: only the pipelines' inputs (under their
 * ingest prefixes) and outputs (under their output prefixes). Everything else — other buckets,
 * other prefixes, failure records, the host's files — is refused.
 */
export function isShowable(pipelines: readonly ConsolePipeline[], bucket: string, key: string): boolean {
  if (key.length === 0 || key.length > 1024 || /[\u0000-\u001f\u007f]/.test(key)) return false;
  return pipelines.some(
    (p) => (p.ingestBucket === bucket && p.ingestPrefix.length > 0 && key.startsWith(p.ingestPrefix)) || (p.resultsBucket === bucket && p.outputPrefix.length > 0 && key.startsWith(p.outputPrefix)),
  );
}

/** Where a task's result document is: the record's resultKey, else the pipeline's declared document in its output folder. */
export function resultLocation(pipeline: ConsolePipeline, task: Pick<TaskRecord, 'input' | 'resultKey' | 'failure' | 'state'>): { bucket: string; key: string; kind: 'result' | 'failure' } | undefined {
  if (task.resultKey) return { bucket: pipeline.resultsBucket, key: task.resultKey, kind: 'result' };
  if (task.state === 'failed') return { bucket: pipeline.resultsBucket, key: task.failure?.recordKey ?? failureRecordKey(task.input.key), kind: 'failure' };
  if (task.state === 'succeeded' && pipeline.resultDocument) {
    return { bucket: pipeline.resultsBucket, key: `${outputFolderOf(pipeline, task.input.key)}${pipeline.resultDocument}`, kind: 'result' };
  }
  return undefined;
}
