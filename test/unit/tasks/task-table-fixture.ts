import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
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
        Projection: { ProjectionType: 'ALL' },
      })),
    }),
  );
}
