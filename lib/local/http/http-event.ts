import type { IncomingMessage } from 'node:http';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { IamCaller } from './sigv4-auth.ts';

export interface HttpEventOptions {
  readonly routeKey: string;
  readonly stage: string;
  readonly apiId: string;
  readonly domainName: string;
  readonly pathParameters: Record<string, string>;
  readonly requestId: string;
  /** The verified caller of an AWS_IAM route: `requestContext.authorizer.iam`, as API Gateway fills it. */
  readonly iam?: IamCaller;
}

const TEXT_TYPES = /^(text\/|application\/(json|xml|x-www-form-urlencoded|javascript)|.*\+json|.*\+xml)/i;

/** An HTTP request as API Gateway HTTP APIs and function URLs hand it over (payload format 2.0). */
export function toHttpEventV2(req: IncomingMessage, body: Buffer, options: HttpEventOptions): APIGatewayProxyEventV2 {
  const url = new URL(req.url ?? '/', 'http://local');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || name === 'cookie') continue;
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) query[name] = query[name] === undefined ? value : `${query[name]},${value}`;
  const cookies = req.headers.cookie?.split(';').map((c) => c.trim()).filter(Boolean);
  const text = TEXT_TYPES.test(headers['content-type'] ?? '');
  const now = new Date();
  return {
    version: '2.0',
    routeKey: options.routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    ...(cookies && cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    ...(Object.keys(options.pathParameters).length > 0 ? { pathParameters: options.pathParameters } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: options.apiId,
      domainName: options.domainName,
      domainPrefix: options.domainName.split('.')[0]!,
      http: {
        method: req.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: options.requestId,
      ...(options.iam ? { authorizer: { iam: { ...options.iam, cognitoIdentity: null, principalOrgId: null } } } : {}),
      routeKey: options.routeKey,
      stage: options.stage,
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body.length > 0 ? { body: text ? body.toString('utf8') : body.toString('base64') } : {}),
    isBase64Encoded: body.length > 0 && !text,
  } as APIGatewayProxyEventV2;
}

export interface HttpResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly cookies: readonly string[];
  readonly body: Buffer;
}

/**
 * What a handler's return value means to a 2.0 integration: a `{statusCode, …}` object as given,
 * anything else as a 200 JSON body (API Gateway's inference for the 2.0 format).
 */
export function fromHandlerResult(value: unknown): HttpResponse {
  if (value !== null && typeof value === 'object' && 'statusCode' in value) {
    const result = value as { statusCode: number; headers?: Record<string, unknown>; body?: string; isBase64Encoded?: boolean; cookies?: string[] };
    const headers: Record<string, string> = {};
    for (const [name, header] of Object.entries(result.headers ?? {})) headers[name.toLowerCase()] = String(header);
    const body = result.body === undefined ? Buffer.alloc(0) : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8');
    return { statusCode: result.statusCode, headers, cookies: result.cookies ?? [], body };
  }
  const body = typeof value === 'string' ? value : JSON.stringify(value ?? null);
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, cookies: [], body: Buffer.from(body) };
}
