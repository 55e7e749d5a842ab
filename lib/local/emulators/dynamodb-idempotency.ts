import { createHash } from 'node:crypto';
import { serviceError, type Body } from './dynamodb-engine.ts';

/** How long DynamoDB remembers a ClientRequestToken after the request that used it completed. */
export const IDEMPOTENCY_WINDOW_MS = 10 * 60 * 1000;

interface Remembered {
  readonly fingerprint: string;
  readonly response: Body;
  readonly completedAt: number;
}

/**
 * The ClientRequestTokens of committed TransactWriteItems requests. A repeat of a committed request
 * within the window returns its response without writing again; the same token on a different
 * request is refused. Cancelled or failed requests are not remembered: their retry runs anew.
 */
export class ClientTokenCache {
  private readonly entries = new Map<string, Remembered>();

  constructor(
    private readonly windowMs = IDEMPOTENCY_WINDOW_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** The committed response to replay, undefined for a token not seen (or expired); throws on a mismatch. */
  replay(token: string, request: Body): Body | undefined {
    this.forgetExpired();
    const remembered = this.entries.get(token);
    if (!remembered) return undefined;
    if (remembered.fingerprint !== fingerprint(request)) {
      throw serviceError(
        'IdempotentParameterMismatchException',
        'Request parameters do not match the original request made with this ClientRequestToken',
      );
    }
    return remembered.response;
  }

  remember(token: string, request: Body, response: Body): void {
    this.entries.set(token, { fingerprint: fingerprint(request), response, completedAt: this.now() });
  }

  private forgetExpired(): void {
    const oldest = this.now() - this.windowMs;
    // Map order is insertion order, and completion times only grow: stop at the first fresh entry.
    for (const [token, entry] of this.entries) {
      if (entry.completedAt >= oldest) break;
      this.entries.delete(token);
    }
  }
}

/** A digest of everything in the request but the token, independent of key order. */
function fingerprint(request: Body): string {
  const { ClientRequestToken: _token, ...rest } = request;
  return createHash('sha256').update(canonicalJson(rest)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
