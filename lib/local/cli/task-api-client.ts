
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import type { ApiErrorCode } from '../../../functions/task-api/core.ts';
import type { TaskRecord } from '../../../functions/shared/tasks/task-record.ts';
import { LocalErrorCode, LocalRuntimeError } from '../errors.ts';
import { NodeSha256 } from './node-sha256.ts';

export interface TaskApiTarget {
  /** The API's base URL, e.g. http://127.0.0.1:4567 or https://abc.execute-api.us-east-1.amazonaws.com */
  readonly url: string;
  readonly region: string;
  /** Requests are SigV4-signed for execute-api with these (the API uses IAM auth). */
  readonly credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
}

export interface TaskApiFailure {
  readonly error: { readonly code: (typeof ApiErrorCode)[keyof typeof ApiErrorCode] | string; readonly message: string; readonly field?: string };
}

/** The task API over HTTP, signed like any AWS API: the same client for the dev runtime and a deployed stack. */
export class TaskApiClient {
  private readonly signer: SignatureV4;

  constructor(readonly target: TaskApiTarget) {
    this.signer = new SignatureV4({ service: 'execute-api', region: target.region, credentials: target.credentials, sha256: NodeSha256 });
  }

  async request<T>(method: string, path: string, options: { query?: Record<string, string | undefined>; body?: unknown; headers?: Record<string, string> } = {}): Promise<{ status: number; body: T | TaskApiFailure }> {
    const url = new URL(path, this.target.url.endsWith('/') ? this.target.url : `${this.target.url}/`);
    const query = Object.fromEntries(Object.entries(options.query ?? {}).filter((entry): entry is [string, string] => entry[1] !== undefined));
    for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const signed = await this.signer.sign({
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: url.pathname,
      query,
      headers: { host: url.host, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(options.headers ?? {}) },
      body,
    });
    let response: Response;
    try {
      response = await fetch(url, { method, headers: signed.headers as Record<string, string>, ...(body !== undefined ? { body } : {}) });
    } catch (error) {
      throw new LocalRuntimeError(LocalErrorCode.NOT_RUNNING, `The task API at ${this.target.url} did not answer: ${(error as Error).message}`, {}, { cause: error });
    }
    const text = await response.text();
    let parsed: T | TaskApiFailure;
    try {
      parsed = JSON.parse(text) as T | TaskApiFailure;
    } catch {
      throw new LocalRuntimeError(LocalErrorCode.EMULATOR_FAILED, `The task API answered ${response.status} with a body that is not JSON: ${text.slice(0, 200)}`);
    }
    return { status: response.status, body: parsed };
  }

  /** Every task matching the filter, following `next` pages. */
  async listAll(query: { pipeline?: string; state?: string; since?: string } = {}): Promise<TaskRecord[]> {
    const tasks: TaskRecord[] = [];
    let next: string | undefined;
    do {
      const page = await this.expectOk<{ tasks: TaskRecord[]; next?: string }>('GET', '/tasks', { query: { ...query, limit: '200', next } });
      tasks.push(...page.tasks);
      next = page.next;
    } while (next);
    return tasks;
  }

  /** The body of a 2xx answer; anything else throws with the API's own code and message. */
  async expectOk<T>(method: string, path: string, options: Parameters<TaskApiClient['request']>[2] = {}): Promise<T> {
    const { status, body } = await this.request<T>(method, path, options);
    if (status >= 200 && status < 300) return body as T;
    const failure = (body as TaskApiFailure).error;
    throw new LocalRuntimeError(LocalErrorCode.USAGE, `${method} ${path}: ${status} ${failure?.code ?? ''} ${failure?.message ?? JSON.stringify(body)}${failure?.field ? ` (field ${failure.field})` : ''}`);
  }
}
