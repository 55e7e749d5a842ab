import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LOOPBACK } from '../emulators/loopback.ts';
import { PutEventsRequestError } from './put-events.ts';

/** Operation name (`PutEvents`) → handler of the parsed JSON body, answering the JSON response. */
export type OperationHandlers = Readonly<Record<string, (body: unknown) => unknown>>;

/** Bodies beyond this are refused before parsing: PutEvents itself caps entries at 256 KB. */
const MAX_BODY_BYTES = 1024 * 1024;
const TARGET_PREFIX = 'AWSEvents.';

export interface EventBridgeServer {
  readonly server: Server;
  readonly port: number;
  readonly endpoint: string;
  close(): Promise<void>;
}

/**
 * EventBridge's wire protocol (AWS JSON 1.1) on 127.0.0.1 only: `POST /` with
 * `X-Amz-Target: AWSEvents.<Operation>`, errors as `{__type, message}` with HTTP 400. Requests
 * are not signature-checked: the server is reachable from this machine only, like the emulators.
 */
export async function listenEventBridge(handlers: OperationHandlers, port = 0): Promise<EventBridgeServer> {
  const server = createServer((request, response) => void handle(handlers, request, response));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, LOOPBACK, () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    server,
    port: bound,
    endpoint: `http://${LOOPBACK}:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(handlers: OperationHandlers, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const requestId = randomUUID();
  const reply = (status: number, body: unknown, errorType?: string) => {
    const text = JSON.stringify(body);
    response.writeHead(status, {
      'content-type': 'application/x-amz-json-1.1',
      'content-length': Buffer.byteLength(text),
      'x-amzn-requestid': requestId,
      ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
    });
    response.end(text);
  };
  const fail = (status: number, type: string, message: string) => reply(status, { __type: type, message }, type);
  try {
    const target = String(request.headers['x-amz-target'] ?? '');
    if (request.method !== 'POST' || !target.startsWith(TARGET_PREFIX)) {
      fail(400, 'UnknownOperationException', 'Requests are POST / with an X-Amz-Target of AWSEvents.<Operation>');
      request.resume();
      return;
    }
    const operation = target.slice(TARGET_PREFIX.length);
    const handler = handlers[operation];
    if (!handler) {
      fail(400, 'UnknownOperationException', `The local EventBridge serves ${Object.keys(handlers).join(', ')}; not ${operation}`);
      request.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of request) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY_BYTES) {
        fail(413, 'RequestEntityTooLargeException', `Request bodies are limited to ${MAX_BODY_BYTES} bytes`);
        return;
      }
      chunks.push(chunk as Buffer);
    }
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    } catch {
      fail(400, 'SerializationException', 'The request body is not JSON');
      return;
    }
    reply(200, handler(body));
  } catch (error) {
    if (error instanceof PutEventsRequestError) fail(400, error.type, error.message);
    else fail(500, 'InternalException', (error as Error).message);
  }
}
