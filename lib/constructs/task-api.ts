import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { TASK_API_SETTINGS_ENV, type TaskApiSettings } from '../../functions/task-api/settings.ts';
import { functionBaseline, KitFunction, type KitFunctionBaseline } from './kit-function.ts';
import { acknowledge, acknowledgeInPacks, prefixGrantFinding } from './nag.ts';
import type { KitTaskTable } from './task-table.ts';

/** A pipeline as the task API serves it. */
export interface TaskApiPipeline {
  readonly id: string;
  readonly ingestPrefix: string;
  readonly acceptsJsonTasks: boolean;
  readonly ingestBucket: s3.IBucket;
  readonly workQueue: sqs.IQueue;
}

export interface TaskApiProps extends KitFunctionBaseline {
  readonly tasks: KitTaskTable;
  readonly pipelines: readonly TaskApiPipeline[];
  readonly projectRoot: string;
  /** Days a finished task is kept. @default 30 */
  readonly ttlDays?: number;
  /** @default 900 (15 minutes) */
  readonly presignExpirySeconds?: number;
}

const ROUTES: ReadonlyArray<readonly [apigw.HttpMethod, string]> = [
  [apigw.HttpMethod.POST, '/tasks'],
  [apigw.HttpMethod.GET, '/tasks'],
  [apigw.HttpMethod.GET, '/tasks/{id}'],
  [apigw.HttpMethod.POST, '/tasks/{id}/retry'],
  [apigw.HttpMethod.POST, '/tasks/{id}/stop'],
  [apigw.HttpMethod.POST, '/pipelines/{id}/redrive'],
];

/** One JSON object per request (HTTP API context variables), so Logs Insights can query fields. */
const ACCESS_LOG_FORMAT = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    requestTime: '$context.requestTimeEpoch',
    sourceIp: '$context.identity.sourceIp',
    caller: '$context.identity.userArn',
    routeKey: '$context.routeKey',
    status: '$context.status',
    responseLength: '$context.responseLength',
    integrationLatencyMs: '$context.integrationLatency',
    integrationError: '$context.integrationErrorMessage',
  }),
);

/**
 * The task API (DESIGN.md, "Tasks"): an HTTP API whose every route needs IAM authorization
 * (callers sign with SigV4; grant `execute-api:Invoke` on {@link api}), one function behind it,
 * access logs, and grants scoped to the task table, the pipelines' ingest prefixes and work queues.
 */
export class TaskApi extends Construct {
  public readonly api: apigw.HttpApi;
  public readonly handler: KitFunction;
  public readonly accessLogs: logs.LogGroup;
  /** The API's base URL (`https://…/`). */
  public readonly url: string;

  constructor(scope: Construct, id: string, props: TaskApiProps) {
    super(scope, id);
    const settings: TaskApiSettings = {
      tableName: props.tasks.table.tableName,
      ttlDays: props.ttlDays ?? 30,
      presignExpirySeconds: props.presignExpirySeconds ?? 900,
      pipelines: props.pipelines.map((p) => ({
        id: p.id,
        ingestBucket: p.ingestBucket.bucketName,
        ingestPrefix: p.ingestPrefix,
        acceptsJsonTasks: p.acceptsJsonTasks,
        queueUrl: p.workQueue.queueUrl,
      })),
    };
    this.handler = new KitFunction(this, 'Handler', {
      entry: `${props.projectRoot}/functions/task-api/handler.ts`,
      projectRoot: props.projectRoot,
      description: 'serverless-media-kit task API: submit, look up, list, retry, stop and redrive tasks',
      serviceName: 'task-api',
      memorySize: 512,
      timeout: Duration.seconds(29),
      ...functionBaseline(props),
      environment: { [TASK_API_SETTINGS_ENV]: Stack.of(this).toJsonString(settings) },
    });
    props.tasks.grantApi(this.handler.function);
    acknowledgeInPacks(
      this.handler,
      'LambdaDLQ',
      ['serverless', 'nist', 'hipaa'],
      'Invoked synchronously by API Gateway only: a failure is the HTTP response its caller gets, and there is no asynchronous event to dead-letter',
    );
    for (const pipeline of props.pipelines) {
      // SendMessage only (retry and redrive re-send stored messages); with a stack key, KitEncryption's
      // grant covers the data keys, so no kms:* wildcard from grantSendMessages.
      this.handler.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [pipeline.workQueue.queueArn] }));
      // JSON inputs are written here, and presigned uploads carry this role's permission.
      this.handler.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [pipeline.ingestBucket.arnForObjects(`${pipeline.ingestPrefix}*`)] }));
      acknowledge(
        this.handler.role,
        prefixGrantFinding(pipeline.ingestBucket, pipeline.ingestPrefix),
        `Puts submitted inputs only under the ${pipeline.id} pipeline's ingest prefix '${pipeline.ingestPrefix}', so they travel the upload path`,
      );
    }
    acknowledge(
      this.handler.role,
      `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(props.tasks.table.node.defaultChild as never)}.Arn>/index/*]`,
      "Lists tasks from the task table's own indexes (by pipeline, state and input), named by the kit",
    );

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
      ...(props.encryption ? { encryptionKey: props.encryption.key } : {}),
    });
    this.api = new apigw.HttpApi(this, 'Api', {
      description: 'serverless-media-kit task API (IAM auth)',
      createDefaultStage: false,
      defaultAuthorizer: new HttpIamAuthorizer(),
    });
    this.api.addStage('Stage', {
      stageName: '$default',
      autoDeploy: true,
      accessLogSettings: { destination: new apigw.LogGroupLogDestination(this.accessLogs), format: ACCESS_LOG_FORMAT },
      throttle: { rateLimit: 100, burstLimit: 200 },
    });
    const integration = new HttpLambdaIntegration('Handler', this.handler.function);
    for (const [method, path] of ROUTES) this.api.addRoutes({ path, methods: [method], integration });
    // The $default stage is served at the API's own endpoint: one URL on AWS and locally alike.
    this.url = `${this.api.apiEndpoint}/`;
  }

  /** Lets a principal call every route (the CLI's `--stack` user, a client's role). */
  grantInvoke(grantee: iam.IGrantable): void {
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['execute-api:Invoke'],
      resourceArns: [Stack.of(this).formatArn({ service: 'execute-api', resource: this.api.apiId, resourceName: '*' })],
    });
  }
}
