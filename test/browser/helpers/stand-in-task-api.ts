import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { GetQueueUrlCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { estimateTaskCost, gbSeconds } from '../../../functions/shared/cost/estimate.ts';
import { US_EAST_1_PRICES } from '../../../functions/shared/cost/price-table.ts';
import { generatedTaskId } from '../../../functions/shared/tasks/task-id.ts';
import { taskIdentityOf } from '../../../functions/shared/tasks/task-identity.ts';
import type { TaskIdentity } from '../../../functions/shared/tasks/task-ledger.ts';
import { TaskLedger } from '../../../functions/shared/tasks/task-ledger.ts';
import type { TaskError } from '../../../functions/shared/tasks/task-record.ts';
import { retryMessageOf } from '../../../functions/shared/tasks/retry-message.ts';
import { createTaskApi, type ApiPipeline } from '../../../functions/task-api/core.ts';
import { startDynamoDbEmulator, type DynamoDbEmulator } from '../../../lib/local/emulators/dynamodb-emulator.ts';
import { LOOPBACK, localCredentials } from '../../../lib/local/emulators/loopback.ts';
import type { LocalRuntime } from '../../../lib/local/runtime.ts';
import type { InvocationRecord } from '../../../lib/local/tasks/task-log.ts';
import { createTaskTable } from '../../unit/tasks/task-table-fixture.ts';

/**
 * The task API for the browser suite while the local runtime does not run the stack's task table
 * and API yet: the real TaskLedger on dynalite behind the real task API core, on a loopback HTTP
 * adapter that insists on a SigV4 Authorization header. The runtime's own invocation log stands in
 * for the shared worker's ledger writes: each invocation starts and ends an attempt, its outcome
 * read from what the function left in the results bucket (result document or failure record).
 */
export interface StandInTaskApi {
  readonly url: string;
  readonly ledger: TaskLedger;
  /** Resolves when every ledger write the bridge has started has landed. */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

export async function startStandInTaskApi(runtime: LocalRuntime): Promise<StandInTaskApi> {
  const dynamo: DynamoDbEmulator = await startDynamoDbEmulator();
  const client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: runtime.region, credentials: localCredentials() });
  await createTaskTable(client, 'console-tasks');
  const ledger = new TaskLedger(client, 'console-tasks');
  const routes = runtime.pipelines;
  const api = createTaskApi({
    store: ledger,
    pipelines: new Map<string, ApiPipeline>(routes.map((p) => [p.id, { id: p.id, ingestBucket: p.ingestBucket, ingestPrefix: p.ingestPrefix, acceptsJsonTasks: false }])),
    putJsonInput: async (pipeline, key, body) => {
      await runtime.s3.send(new PutObjectCommand({ Bucket: pipeline.ingestBucket, Key: key, Body: body, ContentType: 'application/json' }));
    },
    presignUpload: async (pipeline, key, contentType) => ({
      url: await getSignedUrl(runtime.s3, new PutObjectCommand({ Bucket: pipeline.ingestBucket, Key: key, ContentType: contentType }), { expiresIn: 900 }),
      method: 'PUT',
      headers: { 'content-type': contentType },
      expiresAt: new Date(Date.now() + 900_000).toISOString(),
    }),
    resend: async (task) => {
      const route = routes.find((p) => p.id === task.pipeline);
      if (!route?.queueName) throw new Error(`No work queue for pipeline ${task.pipeline}`);
      const { QueueUrl } = await runtime.sqs.send(new GetQueueUrlCommand({ QueueName: route.queueName }));
      await runtime.sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: retryMessageOf(task, runtime.region) }));
    },
    newTaskId: () => generatedTaskId(Date.now()),
    now: () => Date.now(),
  });

  const server: Server = createServer((request, response) => {
    void (async () => {
      if (!/^AWS4-HMAC-SHA256 Credential=[^/]+\/\d{8}\/[^/]+\/execute-api\/aws4_request/.test(request.headers.authorization ?? '')) {
        response.writeHead(403, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ message: 'Missing Authentication Token' }));
        return;
      }
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const url = new URL(request.url ?? '/', `http://${LOOPBACK}`);
      const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v.join(',') : v]));
      const answer = await api({ method: request.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), headers, ...(chunks.length ? { body: Buffer.concat(chunks).toString('utf8') } : {}) });
      response.writeHead(answer.statusCode, { 'content-type': 'application/json' });
      response.end(JSON.stringify(answer.body));
    })().catch((error: Error) => {
      response.writeHead(500, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: { code: 'INTERNAL', message: error.message } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, LOOPBACK, resolve));

  // ---- the worker's ledger writes, from the runtime's invocation log ----
  const identities = new Map<string, { identity: TaskIdentity; resultKey: string; failureKey: string }>();
  const attemptOf = new Map<string, number>();
  let chain: Promise<unknown> = Promise.resolve();
  const failures: Error[] = [];
  const enqueue = (work: () => Promise<unknown>) => {
    chain = chain.then(work).catch((error: Error) => {
      failures.push(error);
    });
  };
  const memoryOf = (record: InvocationRecord) => record.memoryMb;

  runtime.tasks.onStarted((record) => {
    for (const input of record.inputs) {
      const ref = `${input.bucket}/${input.key}#${input.sequencer ?? ''}`;
      enqueue(async () => {
        let known = identities.get(ref);
        if (!known) {
          const pending = runtime.tracker.pending().find((t) => t.bucket === input.bucket && t.key === input.key && (t.sequencer ?? '') === (input.sequencer ?? ''));
          const route = routes.find((p) => p.ingestBucket === input.bucket && input.key.startsWith(p.ingestPrefix));
          if (!pending || !route) return;
          const head = await runtime.s3.send(new HeadObjectCommand({ Bucket: input.bucket, Key: input.key }));
          const identity = taskIdentityOf(
            route,
            { bucket: input.bucket, key: input.key, size: head.ContentLength, eTag: head.ETag?.replaceAll('"', ''), sequencer: input.sequencer, eventTime: new Date(pending.uploadedAt).toISOString() },
            'x86_64',
          );
          known = { identity, resultKey: pending.resultKey, failureKey: pending.failureKey };
          identities.set(ref, known);
        }
        const start = await ledger.startAttempt(known.identity, { requestId: record.requestId, receiveCount: input.attempt, startedAt: record.startedAt, memoryMb: memoryOf(record) });
        if (start.start) attemptOf.set(`${record.requestId}|${ref}`, start.attempt);
      });
    }
  });

  runtime.tasks.onCompleted((record) => {
    for (const input of record.inputs) {
      const ref = `${input.bucket}/${input.key}#${input.sequencer ?? ''}`;
      enqueue(async () => {
        const known = identities.get(ref);
        const attempt = attemptOf.get(`${record.requestId}|${ref}`);
        if (!known || attempt === undefined) return;
        const endedAt = record.endedAt ?? Date.now();
        const billedDurationMs = record.billedDurationMs ?? Math.max(1, Math.ceil(endedAt - record.startedAt));
        const cost = estimateTaskCost([{ billedDurationMs, memoryMb: record.memoryMb }], 'x86_64', { s3Gets: 1, s3Puts: 2, sqsRequests: 3 }, US_EAST_1_PRICES);
        const base = { endedAt, billedDurationMs, ...(record.peakMemoryMb ? { memoryUsedMb: Math.round(record.peakMemoryMb) } : {}), gbSeconds: gbSeconds({ billedDurationMs, memoryMb: record.memoryMb }), costUsd: cost.usd };
        const resultsBucket = routes.find((p) => p.id === known.identity.pipeline)!.resultsBucket;
        if (record.outcome !== 'succeeded' && record.outcome !== 'partial') {
          const error: TaskError = { code: record.outcome === 'timeout' ? 'TIMEOUT' : (record.error?.errorType ?? 'INVOCATION_FAILED'), message: record.error?.errorMessage ?? `invocation ${record.outcome}` };
          await ledger.finishAttempt(known.identity.taskId, known.identity.pipeline, attempt, { state: 'retrying', error, ...base });
          return;
        }
        const failure = await readJson(runtime, resultsBucket, known.failureKey);
        const failureWritten = failure && (await written(runtime, resultsBucket, known.failureKey)) >= record.startedAt - 1000;
        if (failureWritten) {
          const { code, message, details } = failure as { code: string; message: string; details?: Record<string, unknown> };
          await ledger.finishAttempt(known.identity.taskId, known.identity.pipeline, attempt, { state: 'failed', error: { code, message }, failure: { code, message, recordKey: known.failureKey, ...(details ? { details } : {}) }, ...base });
          return;
        }
        await ledger.finishAttempt(known.identity.taskId, known.identity.pipeline, attempt, { state: 'succeeded', resultKey: known.resultKey, ...base });
      });
    }
  });

  return {
    url: `http://${LOOPBACK}:${(server.address() as AddressInfo).port}`,
    ledger,
    settled: async () => {
      await chain;
      if (failures.length > 0) throw new Error(`stand-in ledger writes failed: ${failures.map((e) => e.message).join('; ')}`);
    },
    stop: async () => {
      await chain;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      client.destroy();
      await dynamo.stop();
    },
  };
}

async function readJson(runtime: LocalRuntime, bucket: string, key: string): Promise<unknown> {
  try {
    const object = await runtime.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return JSON.parse(await object.Body!.transformToString('utf8'));
  } catch {
    return undefined;
  }
}

async function written(runtime: LocalRuntime, bucket: string, key: string): Promise<number> {
  const head = await runtime.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  return head.LastModified?.getTime() ?? 0;
}
