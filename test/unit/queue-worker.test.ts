import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GetObjectCommand, HeadObjectCommand, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Context, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { defineErrorCodes, PermanentError, SupersededError } from '../../functions/shared/errors.ts';
import { encodeS3Key } from '../../functions/shared/keys.ts';
import { definePipelineContract } from '../../functions/shared/pipeline-contract.ts';
import type { RunOutcome } from '../../functions/shared/tasks/task-tracking.ts';
import { createQueueWorkerHandler, type ObjectWork } from '../../functions/shared/queue-worker.ts';
import type { S3ObjectRef } from '../../functions/shared/s3-event.ts';
import { budgetReserveMs, defaultTimeBudgetMs, timeBudgetProblem, withinBudget } from '../../functions/shared/time-budget.ts';

vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
const s3 = mockClient(S3Client);
/** A pipeline declaring its own codes, without touching functions/shared/errors.ts. */
const Code = defineErrorCodes(['THING_TIMEOUT', 'THING_BAD']);
const contract = definePipelineContract({
  id: 'thing',
  ingestPrefix: 'in/',
  outputPrefix: 'thing/',
  resultDocument: 'result.json',
  errorCodes: Object.values(Code),
});
const settings = { contract, resultsBucket: 'results', timeBudgetMs: 200 };
const context = { getRemainingTimeInMillis: () => 30_000 } as unknown as Context;

function record(id: string, key: string): SQSRecord {
  const body = JSON.stringify({
    Records: [{ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'ingest' }, object: { key: encodeS3Key(key), eTag: `e-${id}`, sequencer: '01' } } }],
  });
  return { messageId: id, receiptHandle: id, body, attributes: { ApproximateReceiveCount: '1' } } as unknown as SQSRecord;
}

const failureRecord = (key: string) => {
  const put = s3.commandCalls(PutObjectCommand).find((c) => c.args[0].input.Key === `failures/${key}.json`);
  return put ? (JSON.parse(String(put.args[0].input.Body)) as Record<string, unknown>) : undefined;
};

beforeEach(() => {
  s3.reset();
  s3.on(PutObjectCommand).resolves({});
  s3.on(HeadObjectCommand).resolves({});
  s3.on(GetObjectCommand).rejects(new NoSuchKey({ message: 'none', $metadata: { httpStatusCode: 404 } }));
});

describe('the per-object time budget', () => {
  it('times out a slow object alone (its own code), while its batch-mates finish', async () => {
    const handler = createQueueWorkerHandler({
      settings,
      s3: s3 as unknown as S3Client,
      timeoutCode: Code.THING_TIMEOUT,
      async processObject(object, work) {
        // "slow" would take a minute; it honours the budget through withinBudget.
        const ms = object.key.includes('slow') ? 60_000 : 10;
        await work.withinBudget(new Promise((resolve) => setTimeout(resolve, ms)));
        await work.writeResult({ input: work.source });
      },
    });
    const started = Date.now();
    const response = await handler({ Records: [record('a', 'in/a'), record('slow', 'in/slow'), record('b', 'in/b')] }, context);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(response.batchItemFailures).toEqual([]);
    expect(failureRecord('in/slow')).toMatchObject({ pipeline: 'thing', code: 'THING_TIMEOUT', details: { budgetMs: 200 } });
    const results = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Key);
    expect(results).toEqual(expect.arrayContaining(['thing/a/result.json', 'thing/b/result.json']));
    expect(results).not.toContain('thing/slow/result.json');
  });

  it('refuses writes once the budget is spent, so work that overran cannot leave outputs', async () => {
    const handler = createQueueWorkerHandler({
      settings,
      s3: s3 as unknown as S3Client,
      timeoutCode: Code.THING_TIMEOUT,
      async processObject(_object, work) {
        // Ignores the signal, then tries to write anyway.
        await new Promise((resolve) => setTimeout(resolve, 300));
        await work.writeOutput(`${work.outputFolder}late.bin`, 'x', 'application/octet-stream');
      },
    });
    await handler({ Records: [record('late', 'in/late')] }, context);
    expect(s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Key)).toEqual(['failures/in/late.json']);
    expect(failureRecord('in/late')).toMatchObject({ code: 'THING_TIMEOUT' });
  });

  it('gives each object a scratch directory of its own, removed after success and after failure', async () => {
    const dirs: string[] = [];
    const handler = createQueueWorkerHandler({
      settings,
      s3: s3 as unknown as S3Client,
      timeoutCode: Code.THING_TIMEOUT,
      async processObject(object: S3ObjectRef, work: ObjectWork) {
        dirs.push(work.scratchDir);
        await writeFile(join(work.scratchDir, 'frame.jpg'), 'pixels');
        if (object.key.includes('bad')) throw new PermanentError(Code.THING_BAD, 'bad thing');
        await work.writeResult({});
      },
    });
    await handler({ Records: [record('ok', 'in/ok'), record('bad', 'in/bad')] }, context);
    expect(dirs).toHaveLength(2);
    expect(new Set(dirs).size).toBe(2);
    for (const dir of dirs) expect(existsSync(dir)).toBe(false);
    expect(failureRecord('in/bad')).toMatchObject({ code: 'THING_BAD' });
  });

  it('refuses a timeout code the contract does not declare', () => {
    expect(() => createQueueWorkerHandler({ settings, s3: s3 as unknown as S3Client, timeoutCode: 'NOPE', processObject: async () => {} })).toThrow(
      /timeoutCode NOPE is not among its contract's errorCodes/,
    );
  });

  it('withinBudget rejects with the coded error as the signal fires, and passes values through otherwise', async () => {
    const controller = new AbortController();
    const overBudget = () => new PermanentError('THING_TIMEOUT', 'too slow');
    await expect(withinBudget(Promise.resolve(7), controller.signal, overBudget)).resolves.toBe(7);
    const pending = withinBudget(new Promise(() => {}), controller.signal, overBudget);
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'THING_TIMEOUT' });
    await expect(withinBudget(() => Promise.resolve(1), controller.signal, overBudget)).rejects.toMatchObject({ code: 'THING_TIMEOUT' });
  });

  it('derives a default that fits and explains a budget that does not', () => {
    expect(budgetReserveMs(60_000)).toBe(6_000);
    expect(defaultTimeBudgetMs(60_000, 5)).toBe(10_800);
    for (const [timeout, batch] of [[1_000, 1], [1_000, 10], [900_000, 100], [3_000, 100]] as const) {
      expect(timeBudgetProblem(timeout, batch, defaultTimeBudgetMs(timeout, batch)), `${timeout}/${batch}`).toBeUndefined();
    }
    expect(timeBudgetProblem(10_000, 10, 1_000)).toMatch(/batchSize 10 × timeBudgetSeconds 1 = 10 s does not fit in timeoutSeconds 10 less its 1 s reserve/);
  });
});

describe('task hooks', () => {
  it('begin each object, end it with its outcome, and skip a task the ledger says must not run', async () => {
    const ended: [string, RunOutcome][] = [];
    const handler = createQueueWorkerHandler({
      settings,
      s3: s3 as unknown as S3Client,
      timeoutCode: Code.THING_TIMEOUT,
      tasks: {
        async begin(object, delivery) {
          expect(delivery).toEqual({ requestId: 'req', receiveCount: 1 });
          if (object.key === 'in/stopped') return { skip: 'stopped', taskId: 't-stopped' };
          return { end: async (outcome) => void ended.push([object.key, outcome]) };
        },
      },
      async processObject(object, work) {
        if (object.key === 'in/stopped') throw new Error('must not run');
        if (object.key === 'in/bad') throw new PermanentError(Code.THING_BAD, 'bad thing', { why: 1 });
        if (object.key === 'in/old') throw new SupersededError('overwritten');
        if (object.key === 'in/flaky') throw Object.assign(new Error('slow down'), { name: 'SlowDown' });
        await work.writeResult({});
      },
    });
    const keys = ['ok', 'bad', 'old', 'flaky', 'stopped'];
    const response = await handler({ Records: keys.map((k) => record(k, `in/${k}`)) }, { ...context, awsRequestId: 'req' } as Context);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'flaky' }]);
    expect(Object.fromEntries(ended)).toEqual({
      'in/ok': { state: 'succeeded', resultKey: 'thing/ok/result.json' },
      'in/bad': { state: 'failed', failure: { code: 'THING_BAD', message: 'bad thing', details: { why: 1 }, recordKey: 'failures/in/bad.json' } },
      'in/old': { state: 'superseded' },
      'in/flaky': { state: 'retrying', error: { code: 'SlowDown', message: 'slow down' } },
    });
  });
});
