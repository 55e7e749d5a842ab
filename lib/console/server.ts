import { GetObjectCommand, NoSuchKey, type S3Client } from '@aws-sdk/client-s3';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { costReport } from '../../functions/shared/cost/cost-report.ts';
import { priceTableFor } from '../../functions/shared/cost/price-table.ts';
import { TASK_ID_PATTERN } from '../../functions/shared/tasks/task-id.ts';
import type { TaskRecord } from '../../functions/shared/tasks/task-record.ts';
import { TaskApiClient, type TaskApiTarget } from '../local/cli/task-api-client.ts';
import { LOOPBACK } from '../local/emulators/loopback.ts';
import { attemptLogs, type InvocationLogReader } from './attempt-logs.ts';
import { resultLocation, type ConsolePipeline } from './console-pipelines.ts';
import { ConsoleError, ConsoleErrorCode, readBody, SECURITY_HEADERS, sendError, sendJson } from './http-io.ts';
import { refusal } from './loopback-guard.ts';
import { sendMedia } from './media-route.ts';
import { staticAsset } from './static-assets.ts';
import { TaskFeed } from './task-events.ts';
import { MAX_UPLOAD_BYTES, routeUpload, type ConsoleUpload, type UploadedObject } from './upload-route.ts';

export interface ConsoleOptions {
  /** The task API to show; a function when its address is known only once the runtime is up. */
  readonly taskApi: TaskApiTarget | (() => TaskApiTarget);
  /** A client of the runtime's S3 endpoint: result documents and media are read through it. */
  readonly s3: S3Client;
  readonly pipelines: readonly ConsolePipeline[];
  /** Stores a dropped file under its pipeline's ingest prefix (the runtime's own upload). */
  readonly upload: (file: ConsoleUpload) => Promise<UploadedObject>;
  /**
   * The captured log lines of an invocation by its request id (the local runtime's). Without it
   * the detail says that this console has no logs to show.
   */
  readonly logs?: InvocationLogReader;
  readonly host?: typeof LOOPBACK;
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  /** How often live updates poll the task API. @default 1000 */
  readonly pollMs?: number;
  readonly onError?: (error: Error) => void;
}

export interface RunningConsole {
  /** http://127.0.0.1:PORT/console */
  readonly url: string;
  stop(): Promise<void>;
}

const TASK_QUERY = ['pipeline', 'state', 'since', 'limit', 'next'] as const;
const NEWEST_PAGE = 200;

/**
 * The console: a static page and a small JSON API over the task API (signed here, so the
 * browser never holds credentials) and the results bucket (read here, through the runtime's S3).
 * Bound to 127.0.0.1, and answering only requests whose Host and Origin are loopback.
 */
export async function startConsole(options: ConsoleOptions): Promise<RunningConsole> {
  if (options.host !== undefined && options.host !== LOOPBACK) throw new Error(`The console binds ${LOOPBACK} only, not ${String(options.host)}`);
  const onError = options.onError ?? (() => undefined);
  let client: TaskApiClient | undefined;
  const api = (): TaskApiClient => {
    const target = typeof options.taskApi === 'function' ? options.taskApi() : options.taskApi;
    if (!client || client.target.url !== target.url) client = new TaskApiClient(target);
    return client;
  };
  const pipelines = new Map(options.pipelines.map((p) => [p.id, p]));
  const feed = new TaskFeed({
    listNewest: async () => (await api().expectOk<{ tasks: TaskRecord[] }>('GET', '/tasks', { query: { limit: String(NEWEST_PAGE) } })).tasks,
    intervalMs: options.pollMs ?? 1000,
    onError,
  });

  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname;
    const method = request.method ?? 'GET';
    if (path === '/' && method === 'GET') {
      response.writeHead(302, { ...SECURITY_HEADERS, location: '/console' });
      response.end();
      return;
    }
    if (!path.startsWith('/console/api/') && !path.startsWith('/console/media/')) {
      const asset = method === 'GET' ? await staticAsset(path) : undefined;
      if (!asset) throw new ConsoleError(404, ConsoleErrorCode.NOT_FOUND, `No page ${path}`);
      response.writeHead(200, { ...SECURITY_HEADERS, 'content-type': asset.contentType, 'content-length': asset.body.length });
      response.end(asset.body);
      return;
    }

    const logsRoute = path.match(/^\/console\/api\/tasks\/([^/]+)\/logs$/);
    if (logsRoute) {
      if (method !== 'GET') throw new ConsoleError(405, ConsoleErrorCode.METHOD_NOT_ALLOWED, `${method} is not allowed on ${path} (allowed: GET)`);
      sendJson(response, 200, await logsOf(logsRoute[1]!));
      return;
    }
    const tasksRoute = path.match(/^\/console\/api\/tasks(?:\/([^/]+)(?:\/(retry|stop))?)?$/);
    if (tasksRoute) {
      const [, id, action] = tasksRoute;
      if (id !== undefined && !TASK_ID_PATTERN.test(id)) throw new ConsoleError(404, ConsoleErrorCode.NOT_FOUND, `No task ${id}`);
      const expected = action ? 'POST' : 'GET';
      if (method !== expected) throw new ConsoleError(405, ConsoleErrorCode.METHOD_NOT_ALLOWED, `${method} is not allowed on ${path} (allowed: ${expected})`);
      const query = id ? {} : Object.fromEntries(TASK_QUERY.map((name) => [name, url.searchParams.get(name) ?? undefined]));
      const answer = await api().request<unknown>(method, id ? `/tasks/${id}${action ? `/${action}` : ''}` : '/tasks', { query });
      sendJson(response, answer.status, answer.body);
      return;
    }
    if (path === '/console/api/events' && method === 'GET') {
      feed.attach(response);
      return;
    }
    if (path === '/console/api/pipelines' && method === 'GET') {
      sendJson(response, 200, { pipelines: options.pipelines });
      return;
    }
    if (path === '/console/api/result' && method === 'GET') {
      sendJson(response, 200, await resultOf(url.searchParams.get('task') ?? ''));
      return;
    }
    if (path === '/console/api/media' && method === 'GET') {
      await sendMedia(options.s3, options.pipelines, url.searchParams.get('bucket') ?? '', url.searchParams.get('key') ?? '', request.headers.range, response);
      return;
    }
    // Path-style media, so an HLS playlist's relative segment URLs resolve to their neighbours.
    const pathMedia = path.match(/^\/console\/media\/([^/]+)\/(.+)$/);
    if (pathMedia && method === 'GET') {
      await sendMedia(options.s3, options.pipelines, decodeURIComponent(pathMedia[1]!), decodeURIComponent(pathMedia[2]!), request.headers.range, response);
      return;
    }
    if (path === '/console/api/cost' && method === 'GET') {
      sendJson(response, 200, await cost());
      return;
    }
    if (path === '/console/api/upload') {
      if (method !== 'POST') throw new ConsoleError(405, ConsoleErrorCode.METHOD_NOT_ALLOWED, `${method} is not allowed on ${path} (allowed: POST)`);
      const file = routeUpload(url.searchParams.get('name'), await readBody(request, MAX_UPLOAD_BYTES), [...pipelines.keys()]);
      const stored = await options.upload(file);
      sendJson(response, 202, { pipeline: file.pipeline, bucket: stored.bucket, key: stored.key, bytes: file.bytes.length, contentType: file.contentType });
      return;
    }
    throw new ConsoleError(404, ConsoleErrorCode.NOT_FOUND, `No route ${method} ${path}`);
  }

  async function taskOf(taskId: string): Promise<TaskRecord> {
    const { status, body } = await api().request<{ task: TaskRecord }>('GET', `/tasks/${taskId}`);
    if (status === 404) throw new ConsoleError(404, ConsoleErrorCode.NOT_FOUND, `No task ${taskId}`);
    if (status !== 200) throw new ConsoleError(502, ConsoleErrorCode.UPSTREAM, `The task API answered ${status}: ${JSON.stringify(body)}`);
    return (body as { task: TaskRecord }).task;
  }

  /** Each attempt's log lines, from the invocation its request id names. */
  async function logsOf(taskId: string): Promise<unknown> {
    if (!TASK_ID_PATTERN.test(taskId)) throw new ConsoleError(404, ConsoleErrorCode.NOT_FOUND, `No task ${taskId}`);
    const task = await taskOf(taskId);
    if (!options.logs) return { taskId, source: 'none', attempts: [] };
    return { taskId, source: 'runtime', attempts: attemptLogs(task, options.logs) };
  }

  async function resultOf(taskId: string): Promise<unknown> {
    if (!TASK_ID_PATTERN.test(taskId)) throw new ConsoleError(400, ConsoleErrorCode.BAD_REQUEST, 'result needs ?task= a task id');
    const task = await taskOf(taskId);
    const pipeline = pipelines.get(task.pipeline);
    if (!pipeline) throw new ConsoleError(404, ConsoleErrorCode.NOT_FOUND, `Task ${taskId} is of pipeline ${task.pipeline}, which the console does not know`);
    const location = resultLocation(pipeline, task);
    if (!location) throw new ConsoleError(404, ConsoleErrorCode.NOT_FOUND, `Task ${taskId} is ${task.state}: it has no result document yet`);
    let text: string;
    try {
      const object = await options.s3.send(new GetObjectCommand({ Bucket: location.bucket, Key: location.key }));
      text = await object.Body!.transformToString('utf8');
    } catch (error) {
      if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey') throw new ConsoleError(404, ConsoleErrorCode.NOT_FOUND, `No ${location.kind} document s3://${location.bucket}/${location.key}`);
      throw new ConsoleError(502, ConsoleErrorCode.UPSTREAM, `S3 GetObject s3://${location.bucket}/${location.key} failed: ${(error as Error).message}`);
    }
    let document: unknown;
    try {
      document = JSON.parse(text);
    } catch {
      throw new ConsoleError(502, ConsoleErrorCode.UPSTREAM, `s3://${location.bucket}/${location.key} is not JSON`);
    }
    return { taskId, pipeline: task.pipeline, kind: location.kind, bucket: location.bucket, key: location.key, document };
  }

  async function cost(): Promise<unknown> {
    const client = api();
    const tasks = await client.listAll();
    const { table, exact } = priceTableFor(client.target.region);
    const report = costReport(
      tasks.filter((t) => t.attempts.length > 0).map((t) => ({ ...t, architecture: t.architecture ?? 'x86_64' })),
      table,
    );
    return { region: client.target.region, prices: { region: table.region, asOf: table.asOf, exact }, pipelines: report };
  }

  const server = createServer((request, response) => {
    const refused = refusal(request);
    if (refused) {
      sendError(response, new ConsoleError(403, ConsoleErrorCode.FORBIDDEN, `${refused}: the console answers loopback pages only`));
      return;
    }
    route(request, response).catch((error: unknown) => {
      const failure =
        error instanceof ConsoleError ? error : new ConsoleError(502, ConsoleErrorCode.UPSTREAM, (error as Error).message ?? String(error));
      if (!(error instanceof ConsoleError)) onError(error as Error);
      if (response.headersSent) response.destroy();
      else sendError(response, failure);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, LOOPBACK, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${LOOPBACK}:${port}/console`,
    stop: async () => {
      feed.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
