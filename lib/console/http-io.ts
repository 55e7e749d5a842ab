import type { IncomingMessage, ServerResponse } from 'node:http';

/** Headers every answer carries: nothing from elsewhere may load, run or frame the console. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
};

/** Stable codes of the console's own error answers. */
export const ConsoleErrorCode = {
  FORBIDDEN: 'CONSOLE_FORBIDDEN',
  NOT_FOUND: 'CONSOLE_NOT_FOUND',
  BAD_REQUEST: 'CONSOLE_BAD_REQUEST',
  METHOD_NOT_ALLOWED: 'CONSOLE_METHOD_NOT_ALLOWED',
  PAYLOAD_TOO_LARGE: 'CONSOLE_PAYLOAD_TOO_LARGE',
  UNROUTABLE: 'CONSOLE_UNROUTABLE_UPLOAD',
  UPSTREAM: 'CONSOLE_UPSTREAM_FAILED',
} as const;

export class ConsoleError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

export function sendError(response: ServerResponse, error: ConsoleError): void {
  sendJson(response, error.status, { error: { code: error.code, message: error.message } });
}

/** The request body, refused with 413 past `limit` bytes (before it is all read). */
export async function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(request.headers['content-length'] ?? NaN);
  if (declared > limit) throw new ConsoleError(413, ConsoleErrorCode.PAYLOAD_TOO_LARGE, `The body is ${declared} bytes; the console takes at most ${limit}`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new ConsoleError(413, ConsoleErrorCode.PAYLOAD_TOO_LARGE, `The body is over ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
