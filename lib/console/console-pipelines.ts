import { failureRecordKey } from '../../functions/shared/keys.ts';
import { resultKeyOf, type PipelineContract } from '../../functions/shared/pipeline-contract.ts';
import type { TaskRecord } from '../../functions/shared/tasks/task-record.ts';
import type { PipelineRoute } from '../local/pipelines.ts';

/** What the console knows of a pipeline: where its inputs and results live, as its contract declares. */
export type ConsolePipeline = Pick<PipelineRoute, 'id' | 'ingestBucket' | 'ingestPrefix' | 'resultsBucket' | 'outputPrefix'> & Pick<PipelineContract, 'resultDocument'>;

/** A runtime's pipeline as the console (and the page) sees it: its layout, none of its wiring. */
export function consolePipeline(route: PipelineRoute): ConsolePipeline {
  const { id, ingestBucket, ingestPrefix, resultsBucket, outputPrefix } = route;
  return { id, ingestBucket, ingestPrefix, resultsBucket, outputPrefix, resultDocument: route.contract.resultDocument };
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

/** Where a task's result document is: the record's resultKey, else the document its pipeline's contract names. */
export function resultLocation(pipeline: ConsolePipeline, task: Pick<TaskRecord, 'input' | 'resultKey' | 'failure' | 'state'>): { bucket: string; key: string; kind: 'result' | 'failure' } | undefined {
  if (task.resultKey) return { bucket: pipeline.resultsBucket, key: task.resultKey, kind: 'result' };
  if (task.state === 'failed') return { bucket: pipeline.resultsBucket, key: task.failure?.recordKey ?? failureRecordKey(task.input.key), kind: 'failure' };
  if (task.state === 'succeeded') return { bucket: pipeline.resultsBucket, key: resultKeyOf(pipeline, task.input.key), kind: 'result' };
  return undefined;
}
