import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AssemblyModel } from '../assembly/template.ts';
import { LOOPBACK } from '../emulators/loopback.ts';
import { LocalErrorCode, LocalRuntimeError } from '../errors.ts';
import type { FunctionHost } from '../lambda/function-host.ts';
import type { ResourceIndex } from '../resources/resource-index.ts';
import type { TaskLog } from '../tasks/task-log.ts';
import { fromHandlerResult, toHttpEventV2 } from './http-event.ts';
import { matchRoute, parseRouteKey, type RouteKey } from './route-key.ts';
import { verifySigV4, type IamCaller } from './sigv4-auth.ts';

export type HttpEndpointKind = 'function-url' | 'http-api';

/** One loopback HTTP server standing in for a function URL or an HTTP API. */
export interface HttpEndpoint {
  readonly kind: HttpEndpointKind;
  readonly stackName: string;
  readonly logicalId: string;
  readonly port: number;
  readonly url: string;
  readonly server: Server;
}

type RequestHandler = (req: IncomingMessage, body: Buffer, res: ServerResponse) => Promise<void>;

const MAX_BODY_BYTES = 10 * 1024 * 1024;

/**
 * Opens a server per AWS::Lambda::Url and HTTP AWS::ApiGatewayV2::Api before anything else
 * resolves, because their URLs (which embed the port) may appear in functions' environments.
 * Requests are answered 503 until {@link wireHttpEndpoints} attaches the routes.
 */
export async function listenHttpEndpoints(assembly: AssemblyModel): Promise<{ endpoints: HttpEndpoint[]; attach: (id: string, handler: RequestHandler) => void }> {
  const handlers = new Map<string, RequestHandler>();
  const endpoints: HttpEndpoint[] = [];
  try {
    await listenEach(assembly, handlers, endpoints);
  } catch (error) {
    for (const endpoint of endpoints) endpoint.server.close();
    throw error;
  }
  return { endpoints, attach: (id, handler) => handlers.set(id, handler) };
}

async function listenEach(assembly: AssemblyModel, handlers: Map<string, RequestHandler>, endpoints: HttpEndpoint[]): Promise<void> {
  for (const stack of assembly.stacks) {
    for (const [logicalId, resource] of Object.entries(stack.template.Resources ?? {})) {
      const kind: HttpEndpointKind | undefined =
        resource.Type === 'AWS::Lambda::Url' ? 'function-url' : resource.Type === 'AWS::ApiGatewayV2::Api' ? 'http-api' : undefined;
      if (!kind) continue;
      if (kind === 'http-api' && resource.Properties?.ProtocolType !== 'HTTP') {
        throw new LocalRuntimeError(LocalErrorCode.RESOURCE_UNSUPPORTED, `${logicalId} is a WebSocket API; the local runtime serves HTTP APIs only`);
      }
      const id = `${stack.stackName}/${logicalId}`;
      const server = createServer((req, res) => {
        void serve(req, res, handlers.get(id));
      });
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, LOOPBACK, () => resolve());
      });
      const port = (server.address() as AddressInfo).port;
      endpoints.push({ kind, stackName: stack.stackName, logicalId, port, url: `http://${LOOPBACK}:${port}${kind === 'function-url' ? '/' : ''}`, server });
    }
  }
}

async function serve(req: IncomingMessage, res: ServerResponse, handler: RequestHandler | undefined): Promise<void> {
  try {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY_BYTES) {
        send(res, 413, { message: 'Request Entity Too Large' });
        return;
      }
      chunks.push(chunk as Buffer);
    }
    if (!handler) {
      send(res, 503, { message: 'Service Unavailable: the local runtime is starting' });
      return;
    }
    await handler(req, Buffer.concat(chunks), res);
  } catch (error) {
    if (!res.headersSent) send(res, 500, { message: `Local runtime error: ${(error as Error).message}` });
    else res.destroy(error as Error);
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** How a route or function URL authorizes: served open, or a SigV4 signature checked locally. */
type LocalAuth = { readonly kind: 'none' } | { readonly kind: 'iam'; readonly service: 'execute-api' | 'lambda' };

/**
 * The authorization a route or function URL declares, as the runtime enforces it. AWS_IAM is
 * checked (SigV4 with the local credentials); JWT and Lambda authorizers are refused at start,
 * because serving such a route open would hide that it is protected on AWS.
 */
function localAuth(declared: unknown, service: 'execute-api' | 'lambda', what: string): LocalAuth {
  if (declared === undefined || declared === null || declared === 'NONE') return { kind: 'none' };
  if (declared === 'AWS_IAM') return { kind: 'iam', service };
  throw new LocalRuntimeError(
    LocalErrorCode.RESOURCE_UNSUPPORTED,
    `${what} uses ${String(declared)} authorization, which the local runtime cannot check (it checks AWS_IAM signatures); ` +
      'it would otherwise be served open. Use AWS_IAM or NONE for local runs',
    { authorization: String(declared) },
  );
}

/**
 * Checks a request against its route's authorization: the caller (undefined when open), or false
 * after answering 403 as API Gateway and function URLs do, with the reason.
 */
async function authorize(auth: LocalAuth, req: IncomingMessage, body: Buffer, res: ServerResponse, index: ResourceIndex): Promise<IamCaller | undefined | false> {
  if (auth.kind === 'none') return undefined;
  const result = await verifySigV4({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers }, body, {
    service: auth.service,
    region: index.environment.region,
    accountId: index.environment.accountId,
  });
  if (result.ok) return result.caller;
  send(res, 403, { message: result.message });
  return false;
}

async function respond(res: ServerResponse, host: FunctionHost, event: unknown, kind: HttpEndpointKind, tasks: TaskLog, source: string, requestId: string): Promise<void> {
  // Recorded like every other invocation: timings, memory and logs in the task log and the journal.
  const record = tasks.started({ function: host.spec.name, requestId, source, inputs: [], attempt: 1, batchSize: 1, memoryMb: host.spec.memoryMb });
  const invocation = await host.invoke(event, requestId);
  tasks.finish(record, invocation);
  if (!invocation.ok) {
    // API Gateway answers 503 for an integration timeout and 500 for a function error; function URLs 502.
    if (kind === 'function-url') send(res, 502, { Message: 'Internal Server Error' });
    else if (invocation.timedOut) send(res, 503, { message: 'Service Unavailable' });
    else send(res, 500, { message: 'Internal Server Error' });
    return;
  }
  const response = fromHandlerResult(invocation.value);
  const headers: Record<string, string | string[]> = { ...response.headers };
  if (response.cookies.length > 0) headers['set-cookie'] = [...response.cookies];
  res.writeHead(response.statusCode, headers).end(response.body);
}

interface ApiRoute {
  readonly routeKey: RouteKey;
  readonly host: FunctionHost;
  readonly auth: LocalAuth;
}

/** Attaches each endpoint's routes: function URL → its function; HTTP API routes → their integrations. */
export function wireHttpEndpoints(
  endpoints: readonly HttpEndpoint[],
  attach: (id: string, handler: RequestHandler) => void,
  index: ResourceIndex,
  hostFor: (nameOrArn: string) => FunctionHost | undefined,
  tasks: TaskLog,
): void {
  for (const endpoint of endpoints) {
    const { stackName, logicalId } = endpoint;
    const prop = (name: string) => index.property(stackName, logicalId, name);
    const id = `${stackName}/${logicalId}`;
    if (endpoint.kind === 'function-url') {
      const target = String(prop('TargetFunctionArn'));
      const host = hostFor(target);
      if (!host) throw new LocalRuntimeError(LocalErrorCode.RESOURCE_UNSUPPORTED, `Function URL ${logicalId} targets ${target}, which cannot run locally`);
      const auth = localAuth(prop('AuthType'), 'lambda', `Function URL ${logicalId} in ${stackName}`);
      attach(id, async (req, body, res) => {
        const caller = await authorize(auth, req, body, res, index);
        if (caller === false) return;
        const requestId = randomUUID();
        const event = toHttpEventV2(req, body, {
          ...(caller ? { iam: caller } : {}),
          routeKey: '$default',
          stage: '$default',
          apiId: logicalId.toLowerCase(),
          domainName: `${logicalId.toLowerCase()}.lambda-url.${index.environment.region}.on.aws`,
          pathParameters: {},
          requestId,
        });
        await respond(res, host, event, 'function-url', tasks, `http:${logicalId}`, requestId);
      });
      continue;
    }
    const apiId = index.identity(stackName, logicalId).ref;
    const stage = index
      .resourcesOfType('AWS::ApiGatewayV2::Stage')
      .filter((s) => index.property(s.stackName, s.logicalId, 'ApiId') === apiId)
      .map((s) => String(index.property(s.stackName, s.logicalId, 'StageName')))[0] ?? '$default';
    const routes: ApiRoute[] = [];
    for (const route of index.resourcesOfType('AWS::ApiGatewayV2::Route')) {
      const routeProp = (name: string) => index.property(route.stackName, route.logicalId, name);
      if (routeProp('ApiId') !== apiId) continue;
      const auth = localAuth(routeProp('AuthorizationType'), 'execute-api', `Route ${String(routeProp('RouteKey'))} (${route.logicalId}) of ${logicalId} in ${stackName}`);
      const integrationId = String(routeProp('Target') ?? '').replace(/^integrations\//, '');
      const integration = index
        .resourcesOfType('AWS::ApiGatewayV2::Integration')
        .find((i) => index.identity(i.stackName, i.logicalId).ref === integrationId);
      if (!integration) throw new LocalRuntimeError(LocalErrorCode.RESOURCE_UNSUPPORTED, `Route ${route.logicalId} of ${logicalId} has no integration the local runtime can serve`);
      const integrationProp = (name: string) => index.property(integration.stackName, integration.logicalId, name);
      if (integrationProp('IntegrationType') !== 'AWS_PROXY' || String(integrationProp('PayloadFormatVersion') ?? '2.0') !== '2.0') {
        throw new LocalRuntimeError(
          LocalErrorCode.RESOURCE_UNSUPPORTED,
          `Integration ${integration.logicalId} is not a Lambda proxy integration with payload format 2.0, the only kind served locally`,
        );
      }
      const uri = String(integrationProp('IntegrationUri'));
      const functionArn = /functions\/(.+)\/invocations$/.exec(uri)?.[1] ?? uri;
      const host = hostFor(functionArn);
      if (!host) throw new LocalRuntimeError(LocalErrorCode.RESOURCE_UNSUPPORTED, `Integration ${integration.logicalId} targets ${functionArn}, which cannot run locally`);
      routes.push({ routeKey: parseRouteKey(String(routeProp('RouteKey'))), host, auth });
    }
    const prefix = stage === '$default' ? '' : `/${stage}`;
    attach(id, async (req, body, res) => {
      const path = new URL(req.url ?? '/', 'http://local').pathname;
      if (prefix && path !== prefix && !path.startsWith(`${prefix}/`)) {
        send(res, 404, { message: 'Not Found' });
        return;
      }
      const match = matchRoute(routes, req.method ?? 'GET', path.slice(prefix.length) || '/');
      if (!match) {
        send(res, 404, { message: 'Not Found' });
        return;
      }
      const caller = await authorize(match.route.auth, req, body, res, index);
      if (caller === false) return;
      const requestId = randomUUID();
      const event = toHttpEventV2(req, body, {
        ...(caller ? { iam: caller } : {}),
        routeKey: match.route.routeKey.key,
        stage,
        apiId,
        domainName: `${apiId}.execute-api.${index.environment.region}.amazonaws.com`,
        pathParameters: match.pathParameters,
        requestId,
      });
      await respond(res, match.route.host, event, 'http-api', tasks, `http:${logicalId}`, requestId);
    });
  }
}
