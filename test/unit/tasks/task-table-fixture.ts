import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll } from 'vitest';
import { startDynamoDbEmulator, type DynamoDbEmulator } from '../../../lib/local/emulators/dynamodb-emulator.ts';
import { localCredentials } from '../../../lib/local/emulators/loopback.ts';
import { TASK_TABLE } from '../../../functions/shared/tasks/task-table.ts';

/** A task table with the construct's keys and indexes, for tests that talk to dynalite directly. */
export async function createTaskTable(client: DynamoDBClient, name: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: TASK_TABLE.partitionKey, KeyType: 'HASH' }],
      AttributeDefinitions: ['taskId', 'pipeline', 'pipelineState', 'state', 'inputRef'].map((AttributeName) => ({ AttributeName, AttributeType: 'S' })),
      GlobalSecondaryIndexes: Object.values(TASK_TABLE.indexes).map((index) => ({
        IndexName: index.name,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: 'HASH' },
          { AttributeName: index.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: TASK_TABLE.indexProjection },
      })),
    }),
  );
}

/**
 * A DynamoDB emulator for the test file (started before its tests, stopped after) and a fresh
 * task table per call of `newTable`.
 */
export function useTaskTables(prefix: string): { client: () => DynamoDBClient; newTable: () => Promise<string> } {
  let emulator: DynamoDbEmulator | undefined;
  let client: DynamoDBClient | undefined;
  let count = 0;
  beforeAll(async () => {
    emulator = await startDynamoDbEmulator();
    client = new DynamoDBClient({ endpoint: emulator.endpoint, region: 'us-east-1', credentials: localCredentials() });
  });
  afterAll(async () => {
    client?.destroy();
    await emulator?.stop();
  });
  return {
    client: () => client!,
    newTable: async () => {
      const name = `${prefix}-${++count}`;
      await createTaskTable(client!, name);
      return name;
    },
  };
}
