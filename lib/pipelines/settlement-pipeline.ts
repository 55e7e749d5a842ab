import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as events from 'aws-cdk-lib/aws-events';
import { Construct } from 'constructs';
import { SETTLEMENT_ERROR_CODES } from '../../functions/battle-settlement/errors.ts';
import { SettlementEnv, settlementOptionsSchema } from '../../functions/battle-settlement/options.ts';
import { BATTLE_SETTLED } from '../../functions/battle-settlement/settled-event.ts';
import { LEADERBOARD_TABLE_ENV } from '../../functions/leaderboard/env.ts';
import { KitEventSubscription } from '../constructs/kit-event-bus.ts';
import type { KitEncryption } from '../constructs/kit-encryption.ts';
import { functionBaseline, KitFunction, type KitFunctionBaseline } from '../constructs/kit-function.ts';
import { tableEncryption } from '../constructs/task-table.ts';
import { acknowledgeQueueTriggered, acknowledgeTableBackups } from '../constructs/nag.ts';
import { addQueueEventSource } from '../constructs/queue-event-source.ts';
import { WorkQueue } from '../constructs/work-queue.ts';
import { functionEntry, PROJECT_ROOT } from './paths.ts';
import { QueuePipeline, type KitPipelineProps } from './queue-pipeline.ts';
import type { SettlementPipelineConfig } from './settlement-pipeline-config.ts';

/** `bus`: `Battle Settled` is published on it and the leaderboard subscribes to it (without one: no event, no leaderboard). */
export interface SettlementPipelineProps extends KitPipelineProps {
  /** A parsed `settlementPipelineConfigSchema` value (defaults applied). */
  readonly config: SettlementPipelineConfig;
  /** What happens to the tables when the stack is deleted: the ledger is money-like, so kept. @default RemovalPolicy.RETAIN */
  readonly tableRemovalPolicy?: RemovalPolicy;
}

/**
 * Battle settlement: a battle log under `ingestPrefix` (upload or `POST /tasks` JSON) is replayed,
 * its rewards granted exactly once in one DynamoDB transaction (settlement record + each player's
 * ledger), `settlement.json` written under `outputPrefix`, `Battle Settled` published; a second
 * consumer of that event keeps a per-season leaderboard.
 */
export class SettlementPipeline extends QueuePipeline<typeof settlementOptionsSchema> {
  public static readonly PIPELINE_ID = 'settlement';
  public static readonly RESULT_DOCUMENT = 'settlement.json';

  /** pk `battleId`: one record per settled battle (input hash, task, grants, balances after the grant). */
  public readonly settlementsTable: dynamodb.Table;
  /** pk `playerId`: xp, gold, battles and one `item:<id>` count per item. */
  public readonly ledgerTable: dynamodb.Table;
  /** pk `season`, sk `entry`: `player#<id>` counters and `battle#<id>` markers. */
  public readonly leaderboardTable: dynamodb.Table;
  /** The leaderboard consumer, when a bus is given. */
  public readonly leaderboard?: Leaderboard;

  constructor(scope: Construct, id: string, props: SettlementPipelineProps) {
    super(scope, id, {
      ...props,
      pipeline: {
        id: SettlementPipeline.PIPELINE_ID,
        resultDocument: SettlementPipeline.RESULT_DOCUMENT,
        errorCodes: [...SETTLEMENT_ERROR_CODES],
        acceptsJsonTasks: true,
      },
      settingsSchema: settlementOptionsSchema,
      entry: functionEntry('battle-settlement'),
      description: 'serverless-media-kit settlement pipeline: battle replay + exactly-once rewards',
      functionId: 'Settle',
    });
    const removalPolicy = props.tableRemovalPolicy ?? RemovalPolicy.RETAIN;
    const table = { removalPolicy, encryption: props.encryption };
    const settlementsTable = (this.settlementsTable = kitTable(this, 'Settlements', { name: 'battleId' }, table));
    const ledgerTable = (this.ledgerTable = kitTable(this, 'Ledger', { name: 'playerId' }, table));
    const leaderboardTable = (this.leaderboardTable = kitTable(this, 'LeaderboardTable', { name: 'season' }, table, { name: 'entry' }));
    this.worker.function.addEnvironment(SettlementEnv.SETTLEMENTS_TABLE, settlementsTable.tableName);
    this.worker.function.addEnvironment(SettlementEnv.LEDGER_TABLE, ledgerTable.tableName);

    // TransactWriteItems is authorized per item action, so the grant needs these on both tables;
    // nothing deletes, scans or queries. TransactGetItems is authorized as GetItem.
    this.worker.function.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:ConditionCheckItem', 'dynamodb:GetItem'],
        resources: [settlementsTable.tableArn, ledgerTable.tableArn],
      }),
    );
    // The base hands the bus to the handler (KIT_BUS_NAME) and grants PutEvents on it.
    if (props.bus) {
      this.leaderboard = new Leaderboard(this, 'Leaderboard', {
        bus: props.bus,
        table: leaderboardTable,
        ...functionBaseline(props),
        alarmAction: props.alarmAction,
      });
    }
  }
}

/**
 * On-demand, PITR, AWS-managed encryption, retained. A `Table` (AWS::DynamoDB::Table), not a
 * TableV2 (AWS::DynamoDB::GlobalTable): the local runtime emulates the former only, and these
 * tables are single-region; the props map one to one onto TableV2 when that changes.
 */
function kitTable(
  scope: Construct,
  id: string,
  partitionKey: { name: string },
  { removalPolicy, encryption }: { removalPolicy: RemovalPolicy; encryption?: KitEncryption },
  sortKey?: { name: string },
): dynamodb.Table {
  const table = new dynamodb.Table(scope, id, {
    partitionKey: { name: partitionKey.name, type: dynamodb.AttributeType.STRING },
    ...(sortKey ? { sortKey: { name: sortKey.name, type: dynamodb.AttributeType.STRING } } : {}),
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    ...tableEncryption(encryption),
    deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
    removalPolicy,
  });
  acknowledgeTableBackups(table);
  return table;
}

const LEADERBOARD_MAX_CONCURRENCY = 5;

export interface LeaderboardProps extends KitFunctionBaseline {
  readonly bus: events.IEventBus;
  readonly table: dynamodb.ITable;
  /** Where the queue's dead-letter alarm notifies. @default no action */
  readonly alarmAction?: cloudwatch.IAlarmAction;
}

/** `Battle Settled` → its own queue (with DLQ) → a small function → per-season counters, once per battle. */
export class Leaderboard extends Construct {
  public readonly function: KitFunction;
  public readonly queue: WorkQueue;
  public readonly subscription: KitEventSubscription;

  constructor(scope: Construct, id: string, props: LeaderboardProps) {
    super(scope, id);
    const timeout = Duration.seconds(30);
    this.function = new KitFunction(this, 'Function', {
      entry: functionEntry('leaderboard'),
      projectRoot: PROJECT_ROOT,
      description: 'serverless-media-kit leaderboard: per-season wins and xp from Battle Settled events',
      serviceName: 'leaderboard',
      memorySize: 256,
      timeout,
      ...functionBaseline(props),
      environment: { [LEADERBOARD_TABLE_ENV]: props.table.tableName },
    });
    this.queue = new WorkQueue(this, 'Queue', { consumerTimeout: timeout, alarmAction: props.alarmAction, encryption: props.encryption });
    // A few concurrent writers are plenty for per-season counters, and bound the function (LambdaConcurrency).
    addQueueEventSource(this.function.function, this.queue.queue, { batchSize: 10, maxConcurrency: LEADERBOARD_MAX_CONCURRENCY, encryption: props.encryption });
    acknowledgeQueueTriggered(this.function, 'its queue of Battle Settled events');
    this.function.function.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:ConditionCheckItem'], resources: [props.table.tableArn] }),
    );
    // Events the queue cannot take after EventBridge's retries land in the queue's own DLQ.
    this.subscription = new KitEventSubscription(this, 'Subscription', {
      bus: props.bus,
      pipeline: SettlementPipeline.PIPELINE_ID,
      detailTypes: [BATTLE_SETTLED],
      target: this.queue.queue,
      deadLetterQueue: this.queue.deadLetterQueue,
    });
  }
}
