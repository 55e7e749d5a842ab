import type { PriceTable } from './price-table.ts';

export type Architecture = 'x86_64' | 'arm64';

/** One attempt as Lambda bills it. */
export interface BilledAttempt {
  readonly billedDurationMs: number;
  readonly memoryMb: number;
}

/** The requests one task makes of the services around its function, counted by the worker. */
export interface TaskRequests {
  readonly s3Puts?: number;
  readonly s3Gets?: number;
  readonly sqsRequests?: number;
  readonly dynamodbWrites?: number;
  readonly dynamodbReads?: number;
  readonly events?: number;
}

export interface TaskCost {
  readonly gbSeconds: number;
  /** Total in USD. */
  readonly usd: number;
  readonly breakdown: { readonly compute: number; readonly requests: number; readonly sqs: number; readonly s3: number; readonly dynamodb: number; readonly events: number };
}

/** GB-seconds of an attempt: billed milliseconds × configured memory (Lambda bills configured, not used, memory). */
export function gbSeconds(attempt: BilledAttempt): number {
  return (attempt.billedDurationMs / 1000) * (attempt.memoryMb / 1024);
}

/** A task's estimated cost: every attempt's compute and request charge, plus the requests around it. */
export function estimateTaskCost(attempts: readonly BilledAttempt[], architecture: Architecture, requests: TaskRequests, prices: PriceTable): TaskCost {
  const gbs = attempts.reduce((sum, attempt) => sum + gbSeconds(attempt), 0);
  const breakdown = {
    compute: gbs * prices.lambda.gbSecond[architecture],
    requests: attempts.length * prices.lambda.perRequest,
    sqs: (requests.sqsRequests ?? 0) * prices.sqsPerRequest,
    s3: (requests.s3Puts ?? 0) * prices.s3.perPut + (requests.s3Gets ?? 0) * prices.s3.perGet,
    dynamodb: (requests.dynamodbWrites ?? 0) * prices.dynamodb.perWrite + (requests.dynamodbReads ?? 0) * prices.dynamodb.perRead,
    events: (requests.events ?? 0) * prices.eventBridgePerEvent,
  };
  const usd = Object.values(breakdown).reduce((a, b) => a + b, 0);
  return { gbSeconds: gbs, usd, breakdown };
}
