import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { KitStorage } from '../../lib/constructs/kit-storage.ts';
import { KitEventBus, KitEventSubscription } from '../../lib/constructs/kit-event-bus.ts';
import { TaskApi } from '../../lib/constructs/task-api.ts';
import { KitTaskTable } from '../../lib/constructs/task-table.ts';
import { WorkQueue } from '../../lib/constructs/work-queue.ts';
import { PROJECT_ROOT } from '../../lib/pipelines/paths.ts';

function taskStack() {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Tasks');
  const storage = new KitStorage(stack, 'Storage', { resultsNoncurrentVersionDays: 30, accessLogExpirationDays: 90, resultsEventBridge: true });
  const queue = new WorkQueue(stack, 'Queue', { consumerTimeout: Duration.seconds(60) });
  const tasks = new KitTaskTable(stack, 'TaskTable');
  const api = new TaskApi(stack, 'TaskApi', {
    tasks,
    projectRoot: PROJECT_ROOT,
    pipelines: [{ id: 'settlement', ingestPrefix: 'battles/', acceptsJsonTasks: true, ingestBucket: storage.ingestBucket, workQueue: queue.queue }],
  });
  const bus = new KitEventBus(stack, 'Bus');
  const subscriber = new WorkQueue(stack, 'Subscriber', { consumerTimeout: Duration.seconds(30) }).queue;
  new KitEventSubscription(stack, 'OnFailed', { bus: bus.bus, pipeline: 'settlement', detailTypes: ['Task Failed'], target: subscriber });
  return { stack, template: Template.fromStack(stack), api };
}

describe('task model infrastructure', () => {
  it('the task table: on demand, PITR, TTL, encrypted, retained, indexes by pipeline, state and input', () => {
    const { template } = taskStack();
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        BillingMode: 'PAY_PER_REQUEST',
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
        // Keys only: an end write moves the two state indexes and writes nothing into the others.
        GlobalSecondaryIndexes: ['byPipeline', 'byPipelineState', 'byState', 'byInput'].map((IndexName) => Match.objectLike({ IndexName, Projection: { ProjectionType: 'KEYS_ONLY' } })),
      }),
    });
  });

  it('the task API reads the records its index queries name with BatchGetItem on the table alone', () => {
    const { template } = taskStack();
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (policy) => (policy as { Properties: { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } } }).Properties.PolicyDocument.Statement,
    );
    const batchReads = statements.filter((statement) => [statement.Action].flat().includes('dynamodb:BatchGetItem'));
    expect(batchReads).toHaveLength(1);
    expect(batchReads[0]!.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^TaskTable/), 'Arn'] });
  });

  it('every route of the task API needs IAM auth', () => {
    const { template } = taskStack();
    const routes = template.findResources('AWS::ApiGatewayV2::Route');
    expect(Object.values(routes).map((r) => (r as { Properties: { RouteKey: string } }).Properties.RouteKey).sort()).toEqual(
      ['GET /tasks', 'GET /tasks/{id}', 'POST /pipelines/{id}/redrive', 'POST /tasks', 'POST /tasks/{id}/retry', 'POST /tasks/{id}/stop'].sort(),
    );
    for (const route of Object.values(routes)) expect((route as { Properties: { AuthorizationType: string } }).Properties.AuthorizationType).toBe('AWS_IAM');
  });

  it('a subscription routes one pipeline\'s events of one type', () => {
    const { template } = taskStack();
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['media-kit'], 'detail-type': ['Task Failed'], detail: { pipeline: ['settlement'] } },
    });
  });

  it('is cdk-nag clean', () => {
    const { stack } = taskStack();
    expect(new AwsSolutionsChecks().validateScope(stack).violations).toEqual([]);
  });
});
