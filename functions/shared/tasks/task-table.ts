/**
 * The task table's layout, shared by the construct that creates it and the ledger that writes it.
 * Ids sort by creation time, so every index keyed by `taskId` lists in creation order.
 *
 * The indexes hold keys only: a list reads its page of keys from an index, then the records from
 * the table. So an end write, which changes no index key but the two state ones, writes no
 * item into `byPipeline` or `byInput`, and an index write stays one unit however large the
 * record grows (each attempt, error and failure makes it larger). Lists read a little more;
 * every task writes two units less (10 rather than 12 for one attempt).
 */
export const TASK_TABLE = {
  partitionKey: 'taskId',
  /** What each index projects: only the table and index keys. */
  indexProjection: 'KEYS_ONLY',
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
