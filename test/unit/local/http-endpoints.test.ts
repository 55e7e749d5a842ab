import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
