/**
 * The task table's layout, shared by the construct that creates it and the ledger that writes it.
 * Ids sort by creation time, so every index keyed by `taskId` lists in creation order.
 */
export const TASK_TABLE = {
  partitionKey: 'taskId',
  /** Finished tasks expire this many seconds after they end (a DynamoDB TTL attribute). */
  ttlAttribute: 'expiresAt',
  indexes: {
    /** Every task of a pipeline: partition `pipeline`. */
    byPipeline: { name: 'byPipeline', partitionKey: 'pipeline', sortKey: 'taskId' },
    /** A pipeline's tasks in one state: partition `pipelineState` = `<pipeline>#<state>`. */
    byPipelineState: { name: 'byPipelineState', partitionKey: 'pipelineState', sortKey: 'taskId' },
    /** Every task in one state, across pipelines: partition `state`. */
    byState: { name: 'byState', partitionKey: 'state', sortKey: 'taskId' },
    /** The tasks of one input object: partition `inputRef` = `<bucket>/<key>`. */
    byInput: { name: 'byInput', partitionKey: 'inputRef', sortKey: 'taskId' },
  },
} as const;

export function pipelineStateKey(pipeline: string, state: string): string {
  return `${pipeline}#${state}`;
}

export function inputRef(bucket: string, key: string): string {
  return `${bucket}/${key}`;
}
