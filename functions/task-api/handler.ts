import { PutObjectCommand } from '@aws-sdk/client-s3';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { createDynamoDbClient, createS3Client, createSqsClient } from '../shared/aws-clients.ts';
import { logger } from '../shared/logger.ts';
import { generatedTaskId } from '../shared/tasks/task-id.ts';
import { TaskLedger } from '../shared/tasks/task-ledger.ts';
import { retryMessageOf } from '../shared/tasks/retry-message.ts';
import { createTaskApi, type ApiPipeline } from './core.ts';
import { loadTaskApiSettings } from './settings.ts';

const settings = loadTaskApiSettings();
const s3 = createS3Client();
const sqs = createSqsClient();
const ledger = new TaskLedger(createDynamoDbClient(), settings.tableName, { ttlDays: settings.ttlDays });
const queueUrls = new Map(settings.pipelines.map((p) => [p.id, p.queueUrl]));
const region = process.env.AWS_REGION ?? 'us-east-1';

const api = createTaskApi({
  store: ledger,
  pipelines: new Map<string, ApiPipeline>(settings.pipelines.map((p) => [p.id, p])),
  putJsonInput: async (pipeline, key, body) => {
    await s3.send(new PutObjectCommand({ Bucket: pipeline.ingestBucket, Key: key, Body: body, ContentType: 'application/json' }));
  },
  presignUpload: async (pipeline, key, contentType) => {
    const url = await getSignedUrl(s3, new PutObjectCommand({ Bucket: pipeline.ingestBucket, Key: key, ContentType: contentType }), {
      expiresIn: settings.presignExpirySeconds,
    });
    return { url, method: 'PUT', headers: { 'content-type': contentType }, expiresAt: new Date(Date.now() + settings.presignExpirySeconds * 1000).toISOString() };
  },
  resend: async (task) => {
    const queueUrl = queueUrls.get(task.pipeline);
    if (!queueUrl) throw new Error(`Task ${task.taskId} belongs to pipeline ${task.pipeline}, which this API does not serve`);
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: retryMessageOf(task, region) }));
  },
  newTaskId: () => generatedTaskId(Date.now()),
  now: () => Date.now(),
});

/** HTTP API (payload 2.0) → the task API core; IAM authorization happens before the function. */
export async function handler(event: APIGatewayProxyEventV2, context: Context): Promise<APIGatewayProxyStructuredResultV2> {
  logger.addContext(context);
  const body = event.body === undefined ? undefined : event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  const headers = Object.fromEntries(Object.entries(event.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]));
  try {
    const response = await api({
      method: event.requestContext.http.method,
      path: event.rawPath,
      query: event.queryStringParameters ?? {},
      headers,
      ...(body !== undefined ? { body } : {}),
    });
    logger.info('Task API request', { method: event.requestContext.http.method, path: event.rawPath, status: response.statusCode });
    return { statusCode: response.statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(response.body) };
  } catch (error) {
    logger.error('Task API request failed', { error, method: event.requestContext.http.method, path: event.rawPath });
    return { statusCode: 500, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: { code: 'INTERNAL', message: 'The task API failed; see its logs' } }) };
  }
}
