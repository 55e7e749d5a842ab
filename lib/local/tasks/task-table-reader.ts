import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { TaskLedger } from '../../../functions/shared/tasks/task-ledger.ts';
import type { TaskRecord } from '../../../functions/shared/tasks/task-record.ts';
import { isTerminal } from '../../../functions/shared/tasks/task-states.ts';
import { localCredentials } from '../emulators/loopback.ts';

/** The stack outputs a kit assembly names its task table and task API with (KitStack writes them). */
export const TASK_TABLE_OUTPUT = 'TaskTableName';
export const TASK_API_URL_OUTPUT = 'TaskApiUrl';

/**
 * The running assembly's task table, read the way the task API reads it: where `run` and `dev`
 * take each upload's task id and terminal state from.
 */
export class LocalTaskTable {
  private readonly client: DynamoDBClient;
  readonly ledger: TaskLedger;

  constructor(endpoint: string, region: string, readonly tableName: string) {
    this.client = new DynamoDBClient({ endpoint, region, credentials: localCredentials() });
    this.ledger = new TaskLedger(this.client, tableName);
  }

  /** The newest task of an input created at or after `since` (ms), once it is terminal; undefined at the deadline. */
  async settled(bucket: string, key: string, since: number, deadline: number): Promise<TaskRecord | undefined> {
    let latest: TaskRecord | undefined;
    for (;;) {
      // Event times have S3's second-or-better precision and clocks differ by a little: allow a second.
      latest = (await this.ledger.forInput(bucket, key)).find((task) => task.createdAt >= since - 1000);
      if (latest && isTerminal(latest.state)) return latest;
      if (Date.now() >= deadline) return latest;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  destroy(): void {
    this.client.destroy();
  }
}
