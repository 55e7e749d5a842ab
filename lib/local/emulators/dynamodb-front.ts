import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { crc32 } from 'node:zlib';
import { DynamoDbError, toDynamoDbError, type Body } from './dynamodb-engine.ts';
import type { DynamoDbService } from './dynamodb-service.ts';

const TARGET_PREFIX = 'DynamoDB_20120810.';
const MAX_REQUEST_BYTES = 16 * 1024 * 1024;
const JSON_TYPES = new Set(['application/x-amz-json-1.0', 'application/json']);

/**
 * An HTTP server speaking DynamoDB's JSON 1.0 protocol (`X-Amz-Target: DynamoDB_20120810.<Op>`),
 * as SDKs and the AWS CLI send it. Requests must carry SigV4 credentials (any: they are not
 * verified, as dynalite does not either). Faults of the emulator itself (500) also go to `onError`.
 */
export function createDynamoDbFront(service: DynamoDbService, onError: (error: Error) => void): Server {
  return createServer((req, res) => {
    readBody(req)
      .then((raw) => respond(service, req, raw))
      .then(
        ({ status, body }) => send(res, status, body),
        (error: unknown) => {
          const failure = toDynamoDbError(error);
          if (failure.statusCode >= 500) onError(failure);
          send(res, failure.statusCode, failure.body);
        },
      )
      .catch((error: Error) => {
        // The response could not be written (the client went away): nothing left to answer.
        onError(new Error(`The local DynamoDB could not answer a request: ${error.message}`, { cause: error }));
        res.destroy();
      });
  });
}

async function respond(service: DynamoDbService, req: IncomingMessage, raw: Buffer | undefined): Promise<{ status: number; body: Body | string }> {
  if (req.method === 'GET') return { status: 200, body: 'healthy: dynamodb.local ' };
  if (raw === undefined) return { status: 413, body: { __type: 'com.amazon.coral.service#RequestEntityTooLarge', message: 'Request body larger than 16 MB' } };
  const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
  if (req.method !== 'POST' || !JSON_TYPES.has(contentType)) {
    throw new DynamoDbError(404, { __type: 'com.amazon.coral.service#UnknownOperationException', message: 'POST a JSON 1.0 request' });
  }
  const target = String(req.headers['x-amz-target'] ?? '');
  const operation = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
  if (!service.implements(operation)) {
    throw new DynamoDbError(400, {
      __type: 'com.amazon.coral.service#UnknownOperationException',
      message: operation ? `The local DynamoDB does not implement ${operation}` : `Unknown X-Amz-Target '${target}'`,
    });
  }
  const authorization = req.headers.authorization;
  if (!authorization?.trim().startsWith('AWS4-') && !(req.url ?? '').includes('X-Amz-Algorithm=')) {
    throw new DynamoDbError(400, { __type: 'com.amazon.coral.service#MissingAuthenticationTokenException', message: 'Request is missing Authentication Token' });
  }
  let request: unknown;
  try {
    request = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new DynamoDbError(400, { __type: 'com.amazon.coral.service#SerializationException', message: 'The request body is not JSON' });
  }
  if (request === null || typeof request !== 'object' || Array.isArray(request)) {
    throw new DynamoDbError(400, { __type: 'com.amazon.coral.service#SerializationException', message: 'The request body must be a JSON object' });
  }
  return { status: 200, body: await service.handle(operation, request as Body) };
}

/** The request body; undefined when it exceeds the limit (the rest is drained, not buffered). */
function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_REQUEST_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_REQUEST_BYTES ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: Body | string): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('x-amzn-RequestId', randomBytes(39).toString('base64url').toUpperCase().slice(0, 52));
  // SDKs may verify the CRC32 DynamoDB sends over the exact body bytes.
  res.setHeader('x-amz-crc32', String(crc32(text)));
  res.setHeader('Content-Type', typeof body === 'string' ? 'text/plain' : 'application/x-amz-json-1.0');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}
