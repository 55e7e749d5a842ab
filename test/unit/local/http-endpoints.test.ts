import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localCredentials } from '../../../lib/local/emulators/loopback.ts';
import { matchRoute, parseRouteKey } from '../../../lib/local/http/route-key.ts';
import { LocalRuntime } from '../../../lib/local/runtime.ts';
import { listeningSockets } from '../../integration/helpers/listening-sockets.ts';
import { removeTempDirs, writeTinyAssembly } from './fixtures/tiny-assembly.ts';

const ECHO = `
exports.handler = async (event, context) => {
  if (event.rawPath === '/boom') throw new Error('boom');
  if (event.rawPath === '/plain') return { hello: 'world' };
  return {
    statusCode: 201,
    headers: { 'X-Echo': 'yes', 'Content-Type': 'application/json' },
    cookies: ['a=1'],
    body: JSON.stringify({ routeKey: event.routeKey, rawPath: event.rawPath, pathParameters: event.pathParameters ?? null,
      query: event.queryStringParameters ?? null, body: event.body ?? null, isBase64Encoded: event.isBase64Encoded,
      method: event.requestContext.http.method, stage: event.requestContext.stage, fn: context.functionName }),
  };
};`;

describe('function URLs and HTTP APIs', () => {
  let runtime: LocalRuntime;
  const warnings: string[] = [];
  beforeAll(async () => {
    const dir = writeTinyAssembly({
      functions: [{ logicalId: 'Api', source: ECHO, environment: { SELF_URL: { 'Fn::GetAtt': ['ApiUrl', 'FunctionUrl'] } } }],
      resources: {
        ApiUrl: { Type: 'AWS::Lambda::Url', Properties: { TargetFunctionArn: { 'Fn::GetAtt': ['Api', 'Arn'] }, AuthType: 'NONE' } },
        Http: { Type: 'AWS::ApiGatewayV2::Api', Properties: { Name: 'kit', ProtocolType: 'HTTP' } },
        Stage: { Type: 'AWS::ApiGatewayV2::Stage', Properties: { ApiId: { Ref: 'Http' }, StageName: '$default', AutoDeploy: true } },
        Integration: {
          Type: 'AWS::ApiGatewayV2::Integration',
          Properties: {
            ApiId: { Ref: 'Http' },
            IntegrationType: 'AWS_PROXY',
            IntegrationUri: { 'Fn::GetAtt': ['Api', 'Arn'] },
            PayloadFormatVersion: '2.0',
          },
        },
        ItemRoute: {
          Type: 'AWS::ApiGatewayV2::Route',
          Properties: { ApiId: { Ref: 'Http' }, RouteKey: 'GET /items/{id}', Target: { 'Fn::Join': ['', ['integrations/', { Ref: 'Integration' }]] } },
        },
        FilesRoute: {
          Type: 'AWS::ApiGatewayV2::Route',
          Properties: { ApiId: { Ref: 'Http' }, RouteKey: 'ANY /files/{path+}', Target: { 'Fn::Join': ['', ['integrations/', { Ref: 'Integration' }]] } },
        },
      },
    });
    runtime = await LocalRuntime.start({ assemblyDirectory: dir, onWarning: (w) => warnings.push(w) });
  });
  afterAll(async () => {
    await runtime?.stop();
    removeTempDirs();
  });

  const endpoint = (kind: string) => runtime.httpEndpoints.find((e) => e.kind === kind)!.url;

  it('serves a function URL on loopback with the 2.0 event and response format', async () => {
    const url = endpoint('function-url');
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(runtime.hosts.get('Tiny-Api')!.spec.environment.SELF_URL).toBe(url);
    const response = await fetch(`${url}anything?x=1&x=2`, { method: 'POST', body: 'hi', headers: { 'content-type': 'text/plain' } });
    expect(response.status).toBe(201);
    expect(response.headers.get('x-echo')).toBe('yes');
    expect(response.headers.get('set-cookie')).toBe('a=1');
    expect(await response.json()).toEqual({
      routeKey: '$default',
      rawPath: '/anything',
      pathParameters: null,
      query: { x: '1,2' },
      body: 'hi',
      isBase64Encoded: false,
      method: 'POST',
      stage: '$default',
      fn: 'Tiny-Api',
    });
    const plain = await fetch(`${url}plain`);
    expect([plain.status, await plain.json()]).toEqual([200, { hello: 'world' }]);
    const failed = await fetch(`${url}boom`);
    expect(failed.status).toBe(502);
    // Every HTTP invocation leaves a record, like queue and async ones.
    const logicalId = runtime.httpEndpoints.find((e) => e.kind === 'function-url')!.logicalId;
    const records = runtime.tasks.all().filter((r) => r.source === `http:${logicalId}`);
    expect(records.map((r) => r.outcome)).toEqual(['succeeded', 'succeeded', 'failed']);
    expect(records[2]).toMatchObject({ function: 'Tiny-Api', inputs: [], batchSize: 1 });
    expect(records[2]!.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('routes an HTTP API by route key with path parameters, and 404s what no route matches', async () => {
    const base = endpoint('http-api');
    const item = await fetch(`${base}/items/42`);
    expect(await item.json()).toMatchObject({ routeKey: 'GET /items/{id}', pathParameters: { id: '42' }, method: 'GET' });
    const file = await fetch(`${base}/files/a/b/c.txt`, { method: 'PUT', body: Buffer.from([0, 1, 2]), headers: { 'content-type': 'application/octet-stream' } });
    expect(await file.json()).toMatchObject({ routeKey: 'ANY /files/{path+}', pathParameters: { path: 'a/b/c.txt' }, body: 'AAEC', isBase64Encoded: true });
    expect((await fetch(`${base}/items`)).status).toBe(404);
    expect((await fetch(`${base}/items/42`, { method: 'DELETE' })).status).toBe(404);
    expect(listeningSockets().filter((s) => s.address !== '127.0.0.1')).toEqual([]);
    expect(warnings).toEqual([]);
  });
});

/** The SDK's signer, as a client (the CLI, an SDK app) signs a request with the local credentials. */
type Data = string | ArrayBuffer | ArrayBufferView;
const bytes = (data: Data) => (typeof data === 'string' ? data : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data));
class Sha256 {
  private readonly hash;
  constructor(secret?: Data) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: Data): void {
    this.hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

async function signedFetch(url: string, init: { method: string; body?: string; service: string; secret?: string; date?: Date; sendBody?: string }): Promise<Response> {
  const target = new URL(url);
  const credentials = { ...localCredentials(), ...(init.secret ? { secretAccessKey: init.secret } : {}) };
  const signer = new SignatureV4({ credentials, region: 'us-east-1', service: init.service, sha256: Sha256 });
  const query: Record<string, string> = {};
  for (const [k, v] of target.searchParams) query[k] = v;
  const signed = await signer.sign(
    {
      method: init.method,
      protocol: 'http:',
      hostname: target.hostname,
      port: Number(target.port),
      path: target.pathname,
      query,
      headers: { host: target.host, 'content-type': 'application/json' },
      ...(init.body ? { body: init.body } : {}),
    },
    init.date ? { signingDate: init.date } : {},
  );
  const body = init.sendBody ?? init.body;
  return fetch(url, { method: init.method, headers: signed.headers, ...(body ? { body } : {}) });
}

describe('IAM and JWT authorization', () => {
  let runtime: LocalRuntime;
  const iamRoute = (key: string, id: string) => ({
    Type: 'AWS::ApiGatewayV2::Route',
    Properties: { ApiId: { Ref: 'Http' }, RouteKey: key, AuthorizationType: 'AWS_IAM', Target: { 'Fn::Join': ['', ['integrations/', { Ref: id }]] } },
  });
  const resources = (extra: Record<string, unknown> = {}) => ({
    ApiUrl: { Type: 'AWS::Lambda::Url', Properties: { TargetFunctionArn: { 'Fn::GetAtt': ['Api', 'Arn'] }, AuthType: 'AWS_IAM' } },
    Http: { Type: 'AWS::ApiGatewayV2::Api', Properties: { Name: 'kit', ProtocolType: 'HTTP' } },
    Integration: {
      Type: 'AWS::ApiGatewayV2::Integration',
      Properties: { ApiId: { Ref: 'Http' }, IntegrationType: 'AWS_PROXY', IntegrationUri: { 'Fn::GetAtt': ['Api', 'Arn'] }, PayloadFormatVersion: '2.0' },
    },
    TasksRoute: iamRoute('POST /tasks', 'Integration'),
    ...extra,
  });
  const WHO = `exports.handler = async (event) => ({ statusCode: 200, body: JSON.stringify({ iam: event.requestContext.authorizer?.iam ?? null, body: event.body ?? null }) });`;
  beforeAll(async () => {
    const dir = writeTinyAssembly({ functions: [{ logicalId: 'Api', source: WHO }], resources: resources() });
    runtime = await LocalRuntime.start({ assemblyDirectory: dir });
  });
  afterAll(async () => {
    await runtime?.stop();
  });

  it('checks AWS_IAM routes locally: signed with the local credentials passes, unsigned or badly signed gets 403', async () => {
    const base = runtime.httpEndpoints.find((e) => e.kind === 'http-api')!.url;
    const ok = await signedFetch(`${base}/tasks?dry=1`, { method: 'POST', body: '{"a":1}', service: 'execute-api' });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({
      body: '{"a":1}',
      iam: expect.objectContaining({ accessKey: 'local', accountId: '000000000000', userArn: 'arn:aws:iam::000000000000:user/local' }),
    });
    const unsigned = await fetch(`${base}/tasks`, { method: 'POST', body: '{}' });
    expect(unsigned.status).toBe(403);
    expect(((await unsigned.json()) as { message: string }).message).toMatch(/Missing Authentication Token/);
    const wrongKey = await signedFetch(`${base}/tasks`, { method: 'POST', body: '{}', service: 'execute-api', secret: 'not-the-local-secret' });
    expect(wrongKey.status).toBe(403);
    expect(((await wrongKey.json()) as { message: string }).message).toMatch(/signature we calculated does not match/);
    const stale = await signedFetch(`${base}/tasks`, { method: 'POST', body: '{}', service: 'execute-api', date: new Date(Date.now() - 3_600_000) });
    expect(stale.status).toBe(403);
    const wrongService = await signedFetch(`${base}/tasks`, { method: 'POST', body: '{}', service: 'lambda' });
    expect(wrongService.status).toBe(403);
    // A body swapped after signing no longer matches.
    const swapped = await signedFetch(`${base}/tasks`, { method: 'POST', body: '{"a":1}', sendBody: '{"a":2}', service: 'execute-api' });
    expect(swapped.status).toBe(403);
    // Only the one signed request reached the function.
    expect(runtime.tasks.all().filter((r) => r.source.startsWith('http:')).length).toBe(1);
  });

  it('checks a function URL with AuthType AWS_IAM the same way (service lambda)', async () => {
    const url = runtime.httpEndpoints.find((e) => e.kind === 'function-url')!.url;
    expect((await fetch(url)).status).toBe(403);
    expect((await signedFetch(url, { method: 'GET', service: 'lambda' })).status).toBe(200);
  });

  it('refuses to start a route with a JWT or Lambda authorizer, naming it, rather than serve it open', async () => {
    for (const authorization of ['JWT', 'CUSTOM']) {
      const dir = writeTinyAssembly({
        functions: [{ logicalId: 'Api', source: WHO }],
        resources: resources({
          Admin: {
            Type: 'AWS::ApiGatewayV2::Route',
            Properties: { ApiId: { Ref: 'Http' }, RouteKey: 'GET /admin', AuthorizationType: authorization, Target: { 'Fn::Join': ['', ['integrations/', { Ref: 'Integration' }]] } },
          },
        }),
      });
      await expect(LocalRuntime.start({ assemblyDirectory: dir })).rejects.toMatchObject({
        code: 'RESOURCE_UNSUPPORTED',
        message: expect.stringContaining(`Route GET /admin (Admin) of Http in Tiny uses ${authorization} authorization, which the local runtime cannot check`),
      });
    }
  });
});

describe('route matching', () => {
  const routes = ['GET /items/{id}', 'GET /items/special', 'ANY /items/{id}', 'ANY /{proxy+}', '$default'].map((key) => ({ routeKey: parseRouteKey(key) }));
  it('prefers literal segments and exact methods, then greedy routes, then $default', () => {
    expect(matchRoute(routes, 'GET', '/items/special')?.route.routeKey.key).toBe('GET /items/special');
    expect(matchRoute(routes, 'GET', '/items/7')).toMatchObject({ route: { routeKey: { key: 'GET /items/{id}' } }, pathParameters: { id: '7' } });
    expect(matchRoute(routes, 'POST', '/items/7')?.route.routeKey.key).toBe('ANY /items/{id}');
    expect(matchRoute(routes, 'GET', '/a/b')).toMatchObject({ route: { routeKey: { key: 'ANY /{proxy+}' } }, pathParameters: { proxy: 'a/b' } });
    expect(matchRoute(routes, 'GET', '/')?.route.routeKey.key).toBe('$default');
  });
});
