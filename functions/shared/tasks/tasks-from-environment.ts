import type { S3Client } from '@aws-sdk/client-s3';
import { createDynamoDbClient, createEventBridgeClient } from '../aws-clients.ts';
import { EnvName } from '../env-names.ts';
import type { PipelineContract } from '../pipeline-contract.ts';
import { RequestCounter } from './request-counter.ts';
import { KitEventPublisher } from './task-events.ts';
import { TaskLedger } from './task-ledger.ts';
import { TaskTracking } from './task-tracking.ts';

/** The kit bus publisher a function was given (KIT_BUS_NAME), for pipeline events. */
export function kitEventsFromEnvironment(env: NodeJS.ProcessEnv = process.env): KitEventPublisher | undefined {
  const busName = env[EnvName.KIT_BUS_NAME];
  return busName ? new KitEventPublisher(createEventBridgeClient(), busName) : undefined;
}

/**
 * The shared worker's task tracking as the construct configured it: the task table when
 * TASK_TABLE_NAME is set (ids only, nothing written, when it is not), task events on the kit
 * bus when KIT_BUS_NAME is set. Read once, at load.
 */
export function tasksFromEnvironment(contract: PipelineContract, s3: S3Client, env: NodeJS.ProcessEnv = process.env): TaskTracking {
  const tableName = env[EnvName.TASK_TABLE_NAME];
  const ttlDays = Number(env[EnvName.TASK_TTL_DAYS] ?? 30);
  if (!Number.isInteger(ttlDays) || ttlDays < 1) throw new Error(`Invalid handler environment: ${EnvName.TASK_TTL_DAYS} is not a whole number of days`);
  const architecture = env[EnvName.KIT_ARCHITECTURE] === 'arm64' ? 'arm64' : 'x86_64';
  const events = kitEventsFromEnvironment(env);
  if (!tableName) return new TaskTracking({ pipeline: contract, architecture, memoryMb: 0, region: '' });
  const s3Requests = new RequestCounter();
  s3Requests.attach(s3);
  return new TaskTracking({
    pipeline: contract,
    ledger: new TaskLedger(createDynamoDbClient(), tableName, { ttlDays }),
    ...(events ? { events } : {}),
    architecture,
    memoryMb: Number(env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? 1024),
    region: env.AWS_REGION ?? 'us-east-1',
    s3Requests,
  });
}
