import { randomUUID } from 'node:crypto';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { s3KeysInBody } from '../event-sources/s3-keys-in-body.ts';
import type { TaskLog } from '../tasks/task-log.ts';
import type { FunctionHost, Invocation } from './function-host.ts';

/** AWS::Lambda::EventInvokeConfig, resolved: what happens to an asynchronous invocation. */
export interface AsyncInvokeConfig {
  readonly maximumRetryAttempts: number;
  readonly maximumEventAgeSeconds: number;
  readonly onSuccess?: Destination;
  readonly onFailure?: Destination;
}

export type Destination = { readonly kind: 'queue'; readonly queueUrl: string } | { readonly kind: 'function'; readonly functionName: string };

export const DEFAULT_ASYNC_CONFIG: AsyncInvokeConfig = { maximumRetryAttempts: 2, maximumEventAgeSeconds: 21_600 };

export interface AsyncInvokerDeps {
  readonly hosts: ReadonlyMap<string, FunctionHost>;
  readonly configs: ReadonlyMap<string, AsyncInvokeConfig>;
  readonly sqs: SQSClient;
  readonly tasks: TaskLog;
  /** Waits between attempts; Lambda waits about one then two minutes. */
  readonly retryDelaysMs: readonly number[];
  /**
   * An event failed every attempt (or grew too old): it went to the failure destination when there
   * is one, otherwise Lambda drops it. Either way nothing will process it again.
   */
  readonly onExhausted: (functionName: string, event: unknown, error: Invocation['error'], toDestination: boolean) => void;
  readonly onError: (error: Error) => void;
}

/**
 * Lambda's asynchronous invocation (the Event type, used by S3 notifications straight to a
 * function): retries with backoff, event age limit, and success/failure destinations sent the
 * invocation record Lambda sends.
 */
export class AsyncInvoker {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly waits = new Set<() => void>();
  private stopped = false;

  constructor(private readonly deps: AsyncInvokerDeps) {}

  invoke(functionName: string, event: unknown): void {
    const work = this.run(functionName, event).catch((error: unknown) => {
      this.deps.onError(new Error(`Asynchronous invocation of ${functionName} failed: ${(error as Error).message}`, { cause: error }));
    });
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  /** Ends retry waits at once so a stopping runtime is not held for minutes by a backoff timer. */
  stop(): void {
    this.stopped = true;
    for (const wake of [...this.waits]) wake();
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.waits.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.waits.add(wake);
    });
  }

  private async run(functionName: string, event: unknown): Promise<void> {
    const host = this.deps.hosts.get(functionName);
    if (!host) throw new Error(`No local function named ${functionName}`);
    const config = this.deps.configs.get(functionName) ?? DEFAULT_ASYNC_CONFIG;
    const queuedAt = Date.now();
    const objects = s3KeysInBody(JSON.stringify(event));
    let last: Invocation | undefined;
    let condition: 'RetriesExhausted' | 'EventAgeExceeded' = 'RetriesExhausted';
    for (let attempt = 1; attempt <= config.maximumRetryAttempts + 1 && !this.stopped; attempt++) {
      if (attempt > 1) {
        await this.wait(this.deps.retryDelaysMs[Math.min(attempt - 2, this.deps.retryDelaysMs.length - 1)] ?? 0);
        if (this.stopped) return;
        if (Date.now() - queuedAt > config.maximumEventAgeSeconds * 1000) {
          condition = 'EventAgeExceeded';
          break;
        }
      }
      const requestId = randomUUID();
      const record = this.deps.tasks.started({
        function: functionName,
        requestId,
        source: 'async',
        inputs: objects.map((object) => ({ ...object, attempt })),
        attempt,
        batchSize: 1,
        memoryMb: host.spec.memoryMb,
      });
      last = await host.invoke(event, requestId);
      this.deps.tasks.finish(record, last);
      if (last.ok) {
        if (config.onSuccess) await this.send(config.onSuccess, this.destinationRecord(host, event, last, 'Success', attempt));
        return;
      }
    }
    if (this.stopped || !last) return;
    if (config.onFailure) {
      await this.send(config.onFailure, this.destinationRecord(host, event, last, condition, config.maximumRetryAttempts + 1));
    }
    this.deps.onExhausted(functionName, event, last.error, config.onFailure !== undefined);
  }

  private destinationRecord(host: FunctionHost, event: unknown, invocation: Invocation, condition: string, invokeCount: number): unknown {
    return {
      version: '1.0',
      timestamp: new Date().toISOString(),
      requestContext: { requestId: invocation.requestId, functionArn: `${host.spec.arn}:$LATEST`, condition, approximateInvokeCount: invokeCount },
      requestPayload: event,
      responseContext: { statusCode: 200, executedVersion: '$LATEST', ...(invocation.ok ? {} : { functionError: 'Unhandled' }) },
      responsePayload: invocation.ok ? invocation.value : invocation.error,
    };
  }

  private async send(destination: Destination, record: unknown): Promise<void> {
    if (destination.kind === 'queue') {
      await this.deps.sqs.send(new SendMessageCommand({ QueueUrl: destination.queueUrl, MessageBody: JSON.stringify(record) }));
    } else {
      this.invoke(destination.functionName, record);
    }
  }
}
