import { DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, HeadObjectCommand, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Context, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { defineErrorCodes, PermanentError, SupersededError } from '../../functions/shared/errors.ts';
import { encodeS3Key } from '../../functions/shared/keys.ts';
import { definePipelineContract } from '../../functions/shared/pipeline-contract.ts';
import { createQueueWorkerHandler } from '../../functions/shared/queue-worker.ts';
import type { TaskLedger } from '../../functions/shared/tasks/task-ledger.ts';
import { TaskTracking } from '../../functions/shared/tasks/task-tracking.ts';
import { PipelineTaskMetrics, TaskMetricName } from '../../lib/constructs/monitoring-metrics.ts';
import { matchesFilterPattern } from './metric-filter-pattern.ts';

// The logger is created when its module loads: the service name and level must be set before any import.
const DLQ_ARN = 'arn:aws:sqs:us-east-1:123456789012:thing-dlq';
vi.hoisted(() => {
  process.env.POWERTOOLS_SERVICE_NAME = 'thing';
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
  process.env.TASK_RECORDER_SETTINGS = JSON.stringify({
    tableName: 'tasks',
    ttlDays: 30,
    pipelines: [{ id: 'thing', ingestPrefix: 'in/', deadLetterQueueArn: 'arn:aws:sqs:us-east-1:123456789012:thing-dlq' }],
  });
});

const s3 = mockClient(S3Client);
const dynamodb = mockClient(DynamoDBClient);
const Code = defineErrorCodes(['THING_TIMEOUT', 'THING_BAD']);
const contract = definePipelineContract({ id: 'thing', ingestPrefix: 'in/', outputPrefix: 'thing/', resultDocument: 'result.json', errorCodes: Object.values(Code) });
const context = { getRemainingTimeInMillis: () => 30_000, awsRequestId: 'req', functionName: 'MediaKit-test-ThingFunction', memoryLimitInMB: '1024' } as unknown as Context;

function record(id: string, key: string, source = 'aws:sqs'): SQSRecord {
  const body = JSON.stringify({
    Records: [{ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'ingest' }, object: { key: encodeS3Key(key), eTag: `e-${id}`, sequencer: '01', size: 5 } } }],
  });
  return { messageId: id, receiptHandle: id, body, attributes: { ApproximateReceiveCount: '1' }, eventSource: source, eventSourceARN: DLQ_ARN } as unknown as SQSRecord;
}

/** The filters PipelineTaskMetrics puts in a template: pattern and value field per metric, as deployed. */
function deployedFilters(recorder: boolean): Map<string, { pattern: string; value: string }> {
  const stack = new Stack(new App(), 'MediaKit-test');
  new PipelineTaskMetrics(stack, 'Thing', {
    pipelineId: 'thing',
    workerLogGroup: new logs.LogGroup(stack, 'Worker'),
    ...(recorder ? { recorderLogGroup: new logs.LogGroup(stack, 'Recorder') } : {}),
  });
  const filters = Object.values(Template.fromStack(stack).findResources('AWS::Logs::MetricFilter')) as { Properties: Record<string, any> }[];
  return new Map(
    filters.map(({ Properties: p }) => [p.MetricTransformations[0].MetricName as string, { pattern: p.FilterPattern as string, value: p.MetricTransformations[0].MetricValue as string }]),
  );
}

/** The Powertools JSON lines written to stdout while `work` runs: what CloudWatch Logs receives from the function. */
async function loggedLines(work: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
  const chunks: string[] = [];
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  });
  const errors = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  });
  try {
    await work();
  } finally {
    write.mockRestore();
    errors.mockRestore();
  }
  return chunks
    .join('')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

const fieldOf = (line: Record<string, unknown>, selector: string) => line[selector.replace(/^\$\./, '')];

beforeEach(() => {
  s3.reset();
  dynamodb.reset();
  s3.on(PutObjectCommand).resolves({});
  s3.on(HeadObjectCommand).resolves({});
  s3.on(GetObjectCommand).rejects(new NoSuchKey({ message: 'none', $metadata: { httpStatusCode: 404 } }));
});
afterEach(() => vi.restoreAllMocks());

describe("the task metric filters, run over the worker's and the recorder's real log lines", () => {
  it('count each outcome once, and take duration and cost from the lines that carry them', async () => {
    const recorded: { billedDurationMs: number; costUsd: number }[] = [];
    const ledger = {
      startAttempt: async () => ({ start: true, attempt: 1 }),
      finishAttempt: async (_taskId: string, _pipeline: string, _attempt: number, end: { billedDurationMs: number; costUsd: number }) => {
        recorded.push({ billedDurationMs: end.billedDurationMs, costUsd: end.costUsd });
        return true;
      },
      get: async () => undefined,
    } as unknown as TaskLedger;
    const handler = createQueueWorkerHandler({
      settings: { contract, resultsBucket: 'results', timeBudgetMs: 2_000 },
      s3: s3 as unknown as S3Client,
      timeoutCode: Code.THING_TIMEOUT,
      tasks: new TaskTracking({ pipeline: contract, ledger, architecture: 'arm64', memoryMb: 1024, region: 'us-east-1' }),
      async processObject(object, work) {
        if (object.key === 'in/bad') throw new PermanentError(Code.THING_BAD, 'bad thing');
        if (object.key === 'in/old') throw new SupersededError('overwritten');
        if (object.key === 'in/flaky') throw Object.assign(new Error('slow down'), { name: 'SlowDown' });
        await work.writeResult({ input: work.source });
      },
    });
    const notAnEvent = { ...record('junk', 'in/junk'), body: '{"hello":1}' };
    const lines = await loggedLines(() => handler({ Records: ['ok', 'bad', 'old', 'flaky'].map((k) => record(k, `in/${k}`)).concat(notAnEvent) }, context));
    const byMessage = (message: string) => lines.filter((line) => line.message === message);
    expect(byMessage('Task succeeded')).toHaveLength(1);
    expect(lines.every((line) => line.service === 'thing')).toBe(true);

    const filters = deployedFilters(true);
    const matching = (name: TaskMetricName) => lines.filter((line) => matchesFilterPattern(filters.get(name)!.pattern, line));
    expect(matching(TaskMetricName.SUCCEEDED).map((l) => l.message)).toEqual(['Task succeeded']);
    expect(matching(TaskMetricName.FAILED).map((l) => l.message)).toEqual(['Task rejected its input']);
    expect(matching(TaskMetricName.DEAD_LETTERED)).toEqual([]);
    expect(matching(TaskMetricName.DURATION).map((l) => l.message)).toEqual(['Task succeeded', 'Task rejected its input']);
    // Every attempt is billed: the success, the rejection, the superseded one and the retried one.
    const costed = matching(TaskMetricName.COST);
    expect(costed.map((l) => l.outcome)).toEqual(['succeeded', 'failed', 'superseded', 'retrying']);

    // The values the filters publish are the numbers the task table recorded.
    const { value: durationField } = filters.get(TaskMetricName.DURATION)!;
    for (const line of matching(TaskMetricName.DURATION)) expect(fieldOf(line, durationField)).toEqual(expect.any(Number));
    const { value: costField } = filters.get(TaskMetricName.COST)!;
    expect(costed.map((line) => fieldOf(line, costField))).toEqual(recorded.map((r) => Number((r.costUsd * 1e6).toFixed(6))));
    // Plain decimals on the line: no exponent for a filter to misread.
    for (const line of costed) expect(JSON.stringify(fieldOf(line, costField))).not.toMatch(/e/i);
    expect(costed.map((line) => line.billedDurationMs)).toEqual(recorded.map((r) => r.billedDurationMs));
    expect(recorded.every((r) => r.costUsd > 0)).toBe(true);

    // Another pipeline's filters (another log group on AWS) never count this one's lines.
    const other = new PipelineTaskMetrics(new Stack(new App(), 'S'), 'Other', { pipelineId: 'other', workerLogGroup: logs.LogGroup.fromLogGroupName(new Stack(), 'G', 'g') });
    for (const filter of Object.values(other.filters)) {
      const pattern = Stack.of(filter).resolve((filter.node.defaultChild as logs.CfnMetricFilter).filterPattern) as string;
      expect(lines.filter((line) => matchesFilterPattern(pattern, line))).toEqual([]);
    }
  });

  it("count a dead letter from the recorder's line, for its pipeline only", async () => {
    dynamodb.on(GetItemCommand).resolves({});
    dynamodb.on(UpdateItemCommand).resolves({});
    const { handler } = await import('../../functions/task-recorder/handler.ts');
    const lines = await loggedLines(() => handler({ Records: [record('dead', 'in/dead.jpg')] }, context));
    const filters = deployedFilters(true);
    const counted = lines.filter((line) => matchesFilterPattern(filters.get(TaskMetricName.DEAD_LETTERED)!.pattern, line));
    expect(counted.map((line) => line.message)).toEqual(['Task dead-lettered']);
    for (const name of [TaskMetricName.SUCCEEDED, TaskMetricName.FAILED, TaskMetricName.DURATION, TaskMetricName.COST]) {
      expect(lines.filter((line) => matchesFilterPattern(filters.get(name)!.pattern, line))).toEqual([]);
    }
    expect(deployedFilters(false).has(TaskMetricName.DEAD_LETTERED)).toBe(false);
  });
});

describe('the filter-pattern oracle', () => {
  it('reads the syntax it claims and refuses what it does not', () => {
    const line = { outcome: 'failed', durationMs: 12, nested: { id: 'a-b' } };
    expect(matchesFilterPattern('{ ($.outcome = "failed") && ($.durationMs >= 0) }', line)).toBe(true);
    expect(matchesFilterPattern('{ ($.outcome = "succeeded") || ($.durationMs < 12) }', line)).toBe(false);
    expect(matchesFilterPattern('{ $.nested.id = "a-*" }', line)).toBe(true);
    expect(matchesFilterPattern('{ $.missing >= 0 }', line)).toBe(false);
    expect(matchesFilterPattern('{ $.durationMs = "12" }', line)).toBe(false);
    expect(() => matchesFilterPattern('{ $.outcome IS NULL }', line)).toThrow(/unsupported/);
    expect(() => matchesFilterPattern('"failed"', line)).toThrow(/Not a JSON filter pattern/);
  });
});
