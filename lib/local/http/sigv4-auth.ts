import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';
import { localCredentials } from '../emulators/loopback.ts';

/**
 * AWS_IAM authorization of local HTTP APIs and function URLs: a request must carry a Signature
 * Version 4 `Authorization` header made with the local credentials (any SDK client or
 * `aws --endpoint-url` configured with them). The signature is recomputed over exactly the
 * headers the client signed, with @smithy/signature-v4 (the SDK's own signer), and compared in
 * constant time. What IAM policies would allow is not evaluated: locally there is one principal.
 */

export interface IamCaller {
  readonly accessKey: string;
  readonly accountId: string;
  readonly callerId: string;
  readonly userArn: string;
  readonly userId: string;
}

export type SigV4Result = { readonly ok: true; readonly caller: IamCaller } | { readonly ok: false; readonly message: string };

export interface SignedRequest {
  readonly method: string;
  /** Path and query as sent on the wire (`req.url`). */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
}

/** How far a request's X-Amz-Date may be from now, as AWS allows. */
const MAX_SKEW_MS = 15 * 60_000;
const AUTHORIZATION = /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/;
const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

type Bytes = string | ArrayBuffer | ArrayBufferView;
const toBuffer = (data: Bytes): Buffer =>
  typeof data === 'string' ? Buffer.from(data) : ArrayBuffer.isView(data) ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.from(new Uint8Array(data));

/** node:crypto behind the hash interface the signer takes (HMAC when given a key). */
class NodeSha256 {
  private readonly hash;
  constructor(secret?: Bytes) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(secret));
  }
  update(data: Bytes): void {
    this.hash.update(toBuffer(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

/** Verifies a request's SigV4 signature for `service` (`execute-api`, `lambda`) in `region`. */
export async function verifySigV4(
  request: SignedRequest,
  body: Buffer,
  expected: { readonly service: string; readonly region: string; readonly accountId: string },
  now = Date.now(),
): Promise<SigV4Result> {
  const header = request.headers.authorization;
  if (!header) return { ok: false, message: 'Missing Authentication Token: the route uses AWS_IAM authorization; sign the request (SigV4) with the local credentials' };
  const match = AUTHORIZATION.exec(header);
  if (!match) return { ok: false, message: 'The Authorization header is not a SigV4 (AWS4-HMAC-SHA256) signature' };
  const [, accessKeyId, shortDate, region, service, signedHeaderList, signature] = match as unknown as [string, string, string, string, string, string, string];
  const credentials = localCredentials();
  if (accessKeyId !== credentials.accessKeyId) {
    return { ok: false, message: `The security token included in the request is invalid: locally the access key is '${credentials.accessKeyId}'` };
  }
  if (service !== expected.service || region !== expected.region) {
    return { ok: false, message: `Credential should be scoped to ${expected.region}/${expected.service}, not ${region}/${service}` };
  }
  const amzDate = String(request.headers['x-amz-date'] ?? '');
  const signedAt = parseAmzDate(amzDate);
  if (signedAt === undefined || amzDate.slice(0, 8) !== shortDate) return { ok: false, message: 'X-Amz-Date is missing or does not match the credential scope' };
  if (Math.abs(now - signedAt.getTime()) > MAX_SKEW_MS) return { ok: false, message: 'Signature expired: X-Amz-Date is more than 15 minutes from now' };
  const signedHeaders = signedHeaderList.split(';');
  if (!signedHeaders.includes('host')) return { ok: false, message: 'The host header must be signed' };
  const contentHash = request.headers['x-amz-content-sha256'];
  if (typeof contentHash === 'string' && contentHash !== UNSIGNED_PAYLOAD && contentHash !== createHash('sha256').update(body).digest('hex')) {
    return { ok: false, message: 'The provided x-amz-content-sha256 header does not match what was computed' };
  }

  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    const value = request.headers[name];
    if (value === undefined) return { ok: false, message: `Signed header ${name} is not in the request` };
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const url = new URL(request.url, 'http://local');
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of url.searchParams) {
    const known = query[name];
    query[name] = known === undefined ? value : [...(Array.isArray(known) ? known : [known]), value];
  }
  const signer = new SignatureV4({ credentials, region, service, sha256: NodeSha256, applyChecksum: false });
  const signed = await signer.sign(
    { method: request.method, protocol: 'http:', hostname: headers.host!.split(':')[0]!, path: url.pathname, query, headers, ...(body.length > 0 ? { body } : {}) },
    { signingDate: signedAt, signingRegion: region, signingService: service, signableHeaders: new Set(signedHeaders) },
  );
  const computed = /Signature=([0-9a-f]{64})$/.exec(String(signed.headers.authorization ?? signed.headers.Authorization ?? ''))?.[1] ?? '';
  if (computed.length !== signature.length || !timingSafeEqual(Buffer.from(computed), Buffer.from(signature))) {
    return { ok: false, message: 'The request signature we calculated does not match the signature you provided (signed with other than the local credentials?)' };
  }
  const userArn = `arn:aws:iam::${expected.accountId}:user/local`;
  return { ok: true, caller: { accessKey: accessKeyId, accountId: expected.accountId, callerId: 'LOCAL', userArn, userId: 'LOCAL' } };
}

/** `20260101T120000Z` → a Date. */
function parseAmzDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  return new Date(Date.UTC(y, mo - 1, d, h, mi, s));
}
