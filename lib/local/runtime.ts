import { availableParallelism } from 'node:os';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { loadAssembly } from './assembly/load-assembly.ts';
import { startDynamoDbEmulator, type DynamoDbEmulator } from './emulators/dynamodb-emulator.ts';
import { checkTableStreams } from './emulators/dynamodb-streams.ts';
import { localCredentials } from './emulators/loopback.ts';
import { startS3SqsEmulator, type S3SqsEmulator } from './emulators/s3-sqs-emulator.ts';
import { LocalErrorCode, LocalRuntimeError } from './errors.ts';
import type { Clock } from './eventbridge/clock.ts';
import { LocalEventBridge } from './eventbridge/local-eventbridge.ts';
import { s3KeysInBody } from './event-sources/s3-keys-in-body.ts';
import { SqsPoller } from './event-sources/sqs-poller.ts';
import { listenHttpEndpoints, wireHttpEndpoints, type HttpEndpoint } from './http/http-endpoints.ts';
import { AsyncInvoker, type AsyncInvokeConfig, type Destination } from './lambda/async-invoker.ts';
import { Semaphore } from './lambda/concurrency.ts';
import { FunctionHost } from './lambda/function-host.ts';
import type { EnvironmentFactory } from './lambda/function-instance.ts';
import { readFunctionSpec, type FunctionSpec } from './lambda/function-spec.ts';
import { lambdaEnvironment, type LocalEndpoints } from './lambda/lambda-environment.ts';
import { readEventBridgeBuckets, readNotificationRules, ruleMatches, type NotificationRule } from './notifications/notification-rules.ts';
import { S3EventDispatcher } from './notifications/s3-event-dispatcher.ts';
import { s3EventBridgeEntry } from './notifications/s3-eventbridge-event.ts';
import { discoverPipelines, type PipelineRoute } from './pipelines.ts';
import { takeInventory, unsupportedTriggers, type Inventory } from './resources/inventory.ts';
import { provisionS3AndSqs, provisionTables } from './resources/provision.ts';
import { ResourceIndex } from './resources/resource-index.ts';
import { readJsonDocument } from './tasks/documents.ts';
import { OutcomeTracker, type Task, type TaskError } from './tasks/outcome-tracker.ts';
import { TaskLog } from './tasks/task-log.ts';
import { scaledMs, validTimeScale } from './time-scale.ts';

export const LOCAL_ACCOUNT_ID = '000000000000';

/** Resources that make a function reachable: a function they name must be able to run. */
const WIRING_TYPES = new Set([
  'AWS::Lambda::EventSourceMapping',
  'Custom::S3BucketNotifications',
  'AWS::S3::Bucket',
  'AWS::Lambda::Url',
  'AWS::ApiGatewayV2::Integration',
  'AWS::Events::Rule',
]);

export interface LocalRuntimeOptions {
  /** A cloud assembly directory (what `cdk synth` writes). */
  readonly assemblyDirectory: string;
  /** Port of the S3+SQS endpoint. @default 0 (any free port) */
  readonly port?: number;
  /** @default 'us-east-1' */
  readonly region?: string;
  /** Concurrent executions across all functions, like an account's limit. @default 2 × CPUs, at least 4 */
  readonly maxConcurrency?: number;
  /** Waits between asynchronous invocation retries, on AWS's clock (the time scale applies). @default [60 000, 120 000] as Lambda */
  readonly asyncRetryDelaysMs?: readonly number[];
  /**
   * How much faster than on AWS queue visibility timeouts and retry delays run (lib/local/time-scale.ts);
   * handler timeouts stay real. @default 1 (real time)
   */
  readonly timeScale?: number;
  /** How execution environments start. @default a process each (lib/local/lambda/process-environment.ts); bench/local also measures worker threads */
  readonly executionEnvironment?: EnvironmentFactory;
  /** Called for conditions worth a human's attention that do not stop the runtime. */
  readonly onWarning?: (message: string) => void;
  /** Called for failures inside the running runtime (a poll or a delivery that failed). */
  readonly onError?: (error: Error) => void;
  /** The clock EventBridge schedules and retry waits run on (tests inject one). @default the wall clock */
  readonly eventBridgeClock?: Clock;
}

/**
 * A synthesized cloud assembly running on loopback: buckets and queues in fauxqs, tables in
 * dynalite, every Node.js function in execution environments of its own (a process each), every SQS event
 * source mapping as a poller, bucket notifications delivered as S3 events, and each upload
 * tracked to its terminal outcome.
 */
export class LocalRuntime {
  readonly tasks = new TaskLog();
  readonly hosts = new Map<string, FunctionHost>();
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  private readonly pollers: SqsPoller[] = [];
  private readonly s3sqs: S3SqsEmulator;
  private dynamo: DynamoDbEmulator | undefined;
  private dispatcher: S3EventDispatcher | undefined;
  private asyncInvoker: AsyncInvoker | undefined;
  /** Buses, rules and targets on loopback; its journal records every event and delivery. */
  eventBridge: LocalEventBridge | undefined;
  private stopped = false;
  // Set once while starting, read-only for callers afterwards.
  tracker!: OutcomeTracker;
  pipelines: PipelineRoute[] = [];
  rules: NotificationRule[] = [];
  inventory!: Inventory;
  /** Loopback servers standing in for function URLs and HTTP APIs. */
  httpEndpoints: HttpEndpoint[] = [];
  index!: ResourceIndex;

  private constructor(
    private readonly options: LocalRuntimeOptions,
    s3sqs: S3SqsEmulator,
    readonly region: string,
  ) {
    this.s3sqs = s3sqs;
    this.s3 = new S3Client({ endpoint: s3sqs.endpoint, region, credentials: localCredentials(), forcePathStyle: true });
    // Queue URLs name sqs.<region>.localhost, which does not resolve here: send to the endpoint.
    this.sqs = new SQSClient({ endpoint: s3sqs.endpoint, region, credentials: localCredentials(), useQueueUrlAsEndpoint: false });
  }

  /** The S3+SQS endpoint (`--endpoint-url` for the AWS CLI, `endpoint` for SDK clients). */
  get endpoint(): string {
    return this.s3sqs.endpoint;
  }

  get dynamoDbEndpoint(): string | undefined {
    return this.dynamo?.endpoint;
  }

  /** How much faster than on AWS visibility timeouts and retry delays run here (1: real time). */
  get timeScale(): number {
    return this.options.timeScale ?? 1;
  }

  static async start(options: LocalRuntimeOptions): Promise<LocalRuntime> {
    if (options.timeScale !== undefined && !validTimeScale(options.timeScale)) {
      throw new LocalRuntimeError(LocalErrorCode.USAGE, `The time scale must be a number of 1 or more (1 is real time), not ${options.timeScale}`);
    }
    const assembly = loadAssembly(options.assemblyDirectory);
    const region = options.region ?? 'us-east-1';
    const s3sqs = await startS3SqsEmulator({ port: options.port, region });
    const runtime = new LocalRuntime(options, s3sqs, region);
    try {
      const http = await listenHttpEndpoints(assembly);
      runtime.httpEndpoints = http.endpoints;
      const httpPorts = new Map(http.endpoints.map((e) => [`${e.stackName}/${e.logicalId}`, e.port]));
      runtime.index = new ResourceIndex(assembly, { region, accountId: LOCAL_ACCOUNT_ID, sqsPort: s3sqs.port, httpPorts });
      await runtime.boot();
      wireHttpEndpoints(http.endpoints, http.attach, runtime.index, (nameOrArn) => runtime.hostByNameOrArn(nameOrArn), runtime.tasks);
      return runtime;
    } catch (error) {
      await runtime.stop();
      throw error;
    }
  }

  private async boot(): Promise<void> {
    const { index } = this;
    this.inventory = takeInventory(index);
    if (this.inventory.unsupported.length > 0) {
      this.warn(`Not emulated locally, ignored: ${this.inventory.unsupported.join(', ')}`);
    }
    if (this.inventory.kmsEncrypted.length > 0) {
      this.warn(
        `KMS is not applied locally: ${this.inventory.kmsEncrypted.length} resources encrypted with a customer-managed key on AWS keep their data unencrypted on loopback`,
      );
    }
    provisionS3AndSqs(index, this.s3sqs);
    // DynamoDB streams: a function reading one fails start by name; unread ones are one warning.
    checkTableStreams(index, (message) => this.warn(message));
    if (index.resourcesOfType('AWS::DynamoDB::Table').length > 0) {
      this.dynamo = await startDynamoDbEmulator({ onError: (error) => this.error(error) });
      await provisionTables(index, this.dynamo.endpoint);
    }

    this.eventBridge = await LocalEventBridge.listen({
      region: this.region,
      accountId: LOCAL_ACCOUNT_ID,
      ...(this.options.eventBridgeClock ? { clock: this.options.eventBridgeClock } : { timeScale: this.timeScale }),
    });
    // One entry per service with an emulator of its own (AWS_ENDPOINT_URL_<KEY> in each function).
    const services: Record<string, string> = { EVENTBRIDGE: this.eventBridge.endpoint };
    if (this.dynamo) services.DYNAMODB = this.dynamo.endpoint;
    const endpoints: LocalEndpoints = { region: this.region, endpoint: this.s3sqs.endpoint, services };
    const cpuCap = Math.max(4, availableParallelism() * 2);
    const account = new Semaphore(this.options.maxConcurrency ?? cpuCap);
    const wired = this.wiredFunctionIds();
    const specs: FunctionSpec[] = [];
    for (const { stackName, logicalId } of index.resourcesOfType('AWS::Lambda::Function')) {
      if (this.inventory.deployTimeFunctions.has(`${stackName}/${logicalId}`)) continue;
      const runtimeName = String(index.property(stackName, logicalId, 'Runtime') ?? 'container image');
      if (!runtimeName.startsWith('nodejs') && !wired.has(`${stackName}/${logicalId}`)) {
        this.warn(`${logicalId} in ${stackName} uses runtime '${runtimeName}', which runs on AWS only; nothing triggers it locally, so it is left out`);
        continue;
      }
      // Anything else that keeps a function from running (its code, an unresolvable variable) fails start.
      const spec = readFunctionSpec(index, stackName, logicalId);
      specs.push(spec);
      this.hosts.set(spec.name, new FunctionHost(spec, lambdaEnvironment(spec, endpoints), account, this.options.executionEnvironment));
    }

    this.refuseUnsupportedTriggers(specs);
    this.rules = readNotificationRules(index);
    for (const rule of this.rules) {
      if (rule.target.kind === 'function' && !this.hosts.has(rule.target.functionName)) {
        throw new LocalRuntimeError(LocalErrorCode.RESOURCE_UNSUPPORTED, `Bucket ${rule.bucket} notifies ${rule.target.functionName}, which cannot run locally`);
      }
    }
    const queuesByFunction = this.createPollers(account.limit);
    this.pipelines = discoverPipelines(specs, queuesByFunction, this.rules);

    const onError = (error: Error) => this.error(error);
    this.tracker = new OutcomeTracker(this.tasks, (bucket, key) => this.readFailureRecord(bucket, key), onError, (bucket, key) => readJsonDocument(this.s3, bucket, key));
    this.asyncInvoker = new AsyncInvoker({
      hosts: this.hosts,
      configs: this.readAsyncConfigs(),
      sqs: this.sqs,
      tasks: this.tasks,
      retryDelaysMs: (this.options.asyncRetryDelaysMs ?? [60_000, 120_000]).map((ms) => scaledMs(ms, this.timeScale)),
      onExhausted: (functionName, event, error, toDestination) => {
        if (!toDestination) {
          this.warn(`${functionName} failed every attempt of an asynchronous event; Lambda drops it: ${error?.errorMessage ?? 'unknown error'}`);
        }
        const reason = error ? `${error.errorType}: ${error.errorMessage}` : 'every attempt failed';
        for (const { bucket, key, sequencer } of s3KeysInBody(JSON.stringify(event))) {
          if (!this.pipelines.some((p) => p.functionName === functionName && p.ingestBucket === bucket)) continue;
          this.tracker.fail(
            bucket,
            key,
            toDestination ? 'failure-destination' : 'dropped',
            toDestination
              ? { code: 'DEAD_LETTERED', message: `Sent to the function's failure destination after its retries; last error: ${reason}` }
              : { code: 'ASYNC_RETRIES_EXHAUSTED', message: `Dropped after its retries (no failure destination); last error: ${reason}` },
            sequencer,
          );
        }
      },
      onError,
    });
    const asyncInvoker = this.asyncInvoker;
    this.eventBridge.wire({
      index,
      sqs: this.sqs,
      invokeAsync: (name, payload) => asyncInvoker.invoke(name, payload),
      resolveFunction: (arn) => this.hostByNameOrArn(arn)?.spec.name,
      functions: specs.map((spec) => ({ name: spec.name, environment: spec.environment })),
      onWarning: (message) => this.warn(message),
      onError,
    });
    const eventBridge = this.eventBridge;
    this.dispatcher = new S3EventDispatcher(this.rules, {
      s3: this.s3,
      sqs: this.sqs,
      region: this.region,
      invokeAsync: (name, event) => asyncInvoker.invoke(name, event),
      onDelivering: (rule, event) => {
        if (!event.eventName.startsWith('ObjectCreated:')) return;
        const route = this.routeForRule(rule);
        if (route) this.tracker.expect(route, event.bucket, event.key, event.time.getTime(), event.sequencer);
      },
      onDeliveryFailed: (rule, event, error) => {
        this.error(new Error(`Delivering the ${event.eventName} event of s3://${event.bucket}/${event.key} failed: ${error.message}`, { cause: error }));
        if (this.routeForRule(rule)) this.tracker.fail(event.bucket, event.key, 'undeliverable', { code: 'NOTIFICATION_FAILED', message: error.message }, event.sequencer);
      },
      onError,
      eventBridge: { buckets: readEventBridgeBuckets(index), publish: (event) => eventBridge.putEvents([s3EventBridgeEntry(event, LOCAL_ACCOUNT_ID)], { trusted: true }) },
    });
    const dispatcher = this.dispatcher;
    const tracker = this.tracker;
    this.s3sqs.onEvent((message) => {
      dispatcher.handle(message);
      tracker.handle(message);
    });
    for (const poller of this.pollers) poller.start();
  }

  /** Uploads bytes to a pipeline's ingest prefix and returns the task it becomes. */
  async upload(pipeline: PipelineRoute, name: string, body: Uint8Array, contentType = 'application/octet-stream'): Promise<Task> {
    const key = `${pipeline.ingestPrefix}${name}`;
    // Refused up front: an upload no notification rule sends to this pipeline would never end.
    if (!this.rules.some((rule) => this.routeForRule(rule) === pipeline && ruleMatches(rule, 'ObjectCreated:Put', key))) {
      throw new LocalRuntimeError(
        LocalErrorCode.UNROUTABLE_INPUT,
        `s3://${pipeline.ingestBucket}/${key} matches no notification of the ${pipeline.id} pipeline (prefix/suffix filters)`,
        { key },
      );
    }
    const since = Date.now();
    await this.s3.send(new PutObjectCommand({ Bucket: pipeline.ingestBucket, Key: key, Body: body, ContentType: contentType }));
    return this.tracker.taskFor(pipeline.ingestBucket, key, since);
  }

  /** Messages in a queue now, by state; undefined for a queue the assembly does not have. */
  queueDepth(queueName: string): { visible: number; inFlight: number; delayed: number } | undefined {
    const queue = this.s3sqs.inspectQueue(queueName);
    if (!queue) return undefined;
    return { visible: queue.messages.ready.length, inFlight: queue.messages.inflight.length, delayed: queue.messages.delayed.length };
  }

  /** The name of the queue a queue dead-letters into, from its redrive policy. */
  deadLetterQueueOf(queueName: string): string | undefined {
    const policy = this.s3sqs.inspectQueue(queueName)?.attributes.RedrivePolicy;
    if (!policy) return undefined;
    const arn = (JSON.parse(policy) as { deadLetterTargetArn?: string }).deadLetterTargetArn;
    return arn?.slice(arn.lastIndexOf(':') + 1);
  }

  /** A stack output of the assembly, resolved to its local value (an API's URL is its loopback endpoint). */
  stackOutput(outputId: string): string | undefined {
    const value = this.index.output(outputId);
    return value === undefined ? undefined : String(value);
  }

  pipeline(id: string): PipelineRoute | undefined {
    return this.pipelines.find((p) => p.id === id);
  }

  /**
   * Stops taking work, gives invocations in flight `graceMs` to finish (their results and message
   * deletions land), then terminates every execution environment and the emulators.
   */
  async stop(graceMs = 3_000): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.asyncInvoker?.stop();
    const polling = Promise.all(this.pollers.map((poller) => poller.stop()));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([polling, new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
    await Promise.all([...this.hosts.values()].map((host) => host.stop()));
    await polling;
    await this.dispatcher?.drain();
    await this.eventBridge?.stop();
    this.s3.destroy();
    this.sqs.destroy();
    await Promise.all(
      this.httpEndpoints.map((e) => new Promise<void>((resolve) => e.server.close(() => resolve())).then(() => e.server.closeAllConnections())),
    );
    await this.dynamo?.stop();
    await this.s3sqs.stop();
  }

  private createPollers(accountLimit: number): Map<string, string[]> {
    const { index } = this;
    const queuesByFunction = new Map<string, string[]>();
    for (const { stackName, logicalId } of index.resourcesOfType('AWS::Lambda::EventSourceMapping')) {
      const prop = (name: string) => index.property(stackName, logicalId, name);
      if (prop('Enabled') === false || prop('Enabled') === 'false') continue;
      const sourceArn = String(prop('EventSourceArn'));
      const queue = index.findByArn(sourceArn);
      if (queue?.type !== 'AWS::SQS::Queue') {
        throw new LocalRuntimeError(
          LocalErrorCode.RESOURCE_UNSUPPORTED,
          `Event source mapping ${logicalId} reads ${sourceArn}; the local runtime polls SQS queues of the assembly only`,
          { logicalId, sourceArn },
        );
      }
      if (prop('FilterCriteria') !== undefined) {
        throw new LocalRuntimeError(LocalErrorCode.RESOURCE_UNSUPPORTED, `Event source mapping ${logicalId} uses event filtering, which the local runtime does not apply`);
      }
      const host = this.hostByNameOrArn(String(prop('FunctionName')));
      if (!host) {
        throw new LocalRuntimeError(LocalErrorCode.RESOURCE_UNSUPPORTED, `Event source mapping ${logicalId} targets ${String(prop('FunctionName'))}, which cannot run locally`);
      }
      const scaling = prop('ScalingConfig') as { MaximumConcurrency?: number } | undefined;
      const concurrency = Math.min(
        Number(scaling?.MaximumConcurrency ?? Number.POSITIVE_INFINITY),
        host.spec.reservedConcurrency ?? Number.POSITIVE_INFINITY,
        accountLimit,
      );
      const responseTypes = (prop('FunctionResponseTypes') as string[] | undefined) ?? [];
      const queueName = queue.attributes.QueueName!;
      this.pollers.push(
        new SqsPoller(
          {
            queueUrl: queue.attributes.QueueUrl!,
            queueArn: queue.attributes.Arn!,
            queueName,
            region: this.region,
            batchSize: Number(prop('BatchSize') ?? 10),
            maxBatchingWindowMs: Number(prop('MaximumBatchingWindowInSeconds') ?? 0) * 1000,
            concurrency: Math.max(1, concurrency),
            reportBatchItemFailures: responseTypes.includes('ReportBatchItemFailures'),
            visibilityTimeoutSeconds: Number(index.property(queue.stackName, queue.logicalId, 'VisibilityTimeout') ?? 30),
            timeScale: this.timeScale,
          },
          this.sqs,
          host,
          this.tasks,
          (error) => this.error(error),
          this.s3sqs,
        ),
      );
      queuesByFunction.set(host.spec.name, [...(queuesByFunction.get(host.spec.name) ?? []), queueName]);
    }
    return queuesByFunction;
  }

  private readAsyncConfigs(): Map<string, AsyncInvokeConfig> {
    const { index } = this;
    const configs = new Map<string, AsyncInvokeConfig>();
    for (const { stackName, logicalId } of index.resourcesOfType('AWS::Lambda::EventInvokeConfig')) {
      const prop = (name: string) => index.property(stackName, logicalId, name);
      const host = this.hostByNameOrArn(String(prop('FunctionName')));
      if (!host) continue;
      const destinations = prop('DestinationConfig') as { OnSuccess?: { Destination: string }; OnFailure?: { Destination: string } } | undefined;
      const destination = (arn: string | undefined): Destination | undefined => {
        if (!arn) return undefined;
        const target = index.findByArn(arn);
        if (target?.type === 'AWS::SQS::Queue') return { kind: 'queue', queueUrl: target.attributes.QueueUrl! };
        if (target?.type === 'AWS::Lambda::Function' && this.hosts.has(target.ref)) return { kind: 'function', functionName: target.ref };
        throw new LocalRuntimeError(LocalErrorCode.RESOURCE_UNSUPPORTED, `${logicalId} sends to ${arn}; local destinations are SQS queues and functions of the assembly`);
      };
      const onSuccess = destination(destinations?.OnSuccess?.Destination);
      const onFailure = destination(destinations?.OnFailure?.Destination);
      configs.set(host.spec.name, {
        maximumRetryAttempts: Number(prop('MaximumRetryAttempts') ?? 2),
        maximumEventAgeSeconds: Number(prop('MaximumEventAgeInSeconds') ?? 21_600),
        ...(onSuccess ? { onSuccess } : {}),
        ...(onFailure ? { onFailure } : {}),
      });
    }
    return configs;
  }

  /**
   * A trigger or target of a local function that the runtime cannot run (an EventBridge rule, an
   * SNS subscription, a schedule…) fails start naming it: the function would silently never see
   * those events. The unsupported resources nothing local depends on are only warned about.
   */
  private refuseUnsupportedTriggers(specs: readonly FunctionSpec[]): void {
    const local = new Set(specs.map((spec) => `${spec.stackName}/${spec.logicalId}`));
    const found = unsupportedTriggers(this.index, local);
    if (found.length === 0) return;
    const names = found.map((t) => `${t.type} ${t.logicalId} (names ${t.functions.join(', ')}) in ${t.stackName}`);
    throw new LocalRuntimeError(
      LocalErrorCode.RESOURCE_UNSUPPORTED,
      `The local runtime cannot run ${names.join('; ')}: the function${found.length === 1 && found[0]!.functions.length === 1 ? '' : 's'} would never receive those events locally`,
      { resources: found.map((t) => `${t.stackName}/${t.logicalId}`) },
    );
  }

  /** Functions something triggers: those must run, the rest may be left out with a warning. */
  private wiredFunctionIds(): Set<string> {
    const wired = new Set<string>();
    for (const stack of this.index.stacks) {
      for (const resource of Object.values(stack.template.Resources ?? {})) {
        const text = JSON.stringify(resource.Properties ?? {});
        if (!WIRING_TYPES.has(resource.Type)) continue;
        for (const [logicalId, candidate] of Object.entries(stack.template.Resources ?? {})) {
          if (candidate.Type === 'AWS::Lambda::Function' && text.includes(`"${logicalId}"`)) wired.add(`${stack.stackName}/${logicalId}`);
        }
      }
    }
    return wired;
  }

  private hostByNameOrArn(nameOrArn: string): FunctionHost | undefined {
    // Integrations may name a qualified ARN (…:function:name:$LATEST); locally there is one version.
    const unqualified = nameOrArn.replace(/^(arn:[^:]+:lambda:[^:]+:[^:]+:function:[^:]+):.+$/, '$1');
    return this.hosts.get(unqualified) ?? [...this.hosts.values()].find((host) => host.spec.arn === unqualified);
  }

  private routeForRule(rule: NotificationRule): PipelineRoute | undefined {
    return this.pipelines.find(
      (p) =>
        p.ingestBucket === rule.bucket &&
        ((rule.target.kind === 'queue' && p.queueName === rule.target.queueName) || (rule.target.kind === 'function' && p.functionName === rule.target.functionName)),
    );
  }

  private async readFailureRecord(bucket: string, key: string): Promise<TaskError> {
    const response = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const record = JSON.parse(await response.Body!.transformToString()) as { code?: string; message?: string; details?: Record<string, unknown> };
    return { code: record.code ?? 'UNKNOWN', message: record.message ?? '', ...(record.details ? { details: record.details } : {}) };
  }

  warn(message: string): void {
    this.options.onWarning?.(message);
  }

  private error(error: Error): void {
    if (this.stopped) return;
    if (this.options.onError) this.options.onError(error);
    else process.emitWarning(error);
  }
}
