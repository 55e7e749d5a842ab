import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { TASK_TABLE } from '../../functions/shared/tasks/task-table.ts';
import type { KitEncryption } from './kit-encryption.ts';
import { acknowledgeTableBackups } from './nag.ts';

export interface KitTaskTableProps {
  /**
   * What happens to the table when the stack is deleted: task history is data, kept by default.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /** @default true */
  readonly pointInTimeRecovery?: boolean;
  /** Encrypt with the stack's customer-managed key. @default AWS-managed key */
  readonly encryption?: KitEncryption;
}

/**
 * The task table (DESIGN.md, "Tasks"): on-demand, point-in-time recovery, encrypted, a TTL on
 * finished tasks, and indexes to list a pipeline's tasks (by state too) and an input's tasks in
 * creation order. Only the TaskLedger writes it.
 */
export class KitTaskTable extends Construct {
  public readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: KitTaskTableProps = {}) {
    super(scope, id);
    const string = (name: string): dynamodb.Attribute => ({ name, type: dynamodb.AttributeType.STRING });
    // A single-region Table (not TableV2's global table): what the local runtime provisions too.
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: string(TASK_TABLE.partitionKey),
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: props.pointInTimeRecovery ?? true },
      timeToLiveAttribute: TASK_TABLE.ttlAttribute,
      ...tableEncryption(props.encryption),
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    acknowledgeTableBackups(this.table);
    for (const index of Object.values(TASK_TABLE.indexes)) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: string(index.partitionKey),
        sortKey: string(index.sortKey),
        projectionType: dynamodb.ProjectionType[TASK_TABLE.indexProjection],
      });
    }
  }

  /** What the shared worker and the dead-letter recorder need: conditional writes and reads of records, on the table only. */
  grantRecorder(grantee: iam.IGrantable): void {
    iam.Grant.addToPrincipal({ grantee, actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:PutItem'], resourceArns: [this.table.tableArn] });
  }

  /**
   * What the task API needs: the recorder's actions plus queries of the table and its indexes,
   * and batch reads of the records an index query named (the indexes hold keys only).
   */
  grantApi(grantee: iam.IGrantable): void {
    this.grantRecorder(grantee);
    iam.Grant.addToPrincipal({ grantee, actions: ['dynamodb:Query', 'dynamodb:Scan'], resourceArns: [this.table.tableArn, `${this.table.tableArn}/index/*`] });
    iam.Grant.addToPrincipal({ grantee, actions: ['dynamodb:BatchGetItem'], resourceArns: [this.table.tableArn] });
  }
}

/** The kit's table encryption: the stack's key when it has one, the AWS-managed key otherwise. */
export function tableEncryption(encryption: KitEncryption | undefined): Pick<dynamodb.TableProps, 'encryption' | 'encryptionKey'> {
  return encryption
    ? { encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED, encryptionKey: encryption.key }
    : { encryption: dynamodb.TableEncryption.AWS_MANAGED };
}
