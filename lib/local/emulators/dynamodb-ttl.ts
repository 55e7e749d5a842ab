import { validationError, type AttributeMap, type DynamoDbError, type Body, type DynaliteEngine, type TypeSpec } from './dynamodb-engine.ts';
import type { ReadWriteLock } from './dynamodb-lock.ts';

/** DynamoDB leaves alone items whose expiry lies more than five years in the past (likely not seconds). */
const MAX_EXPIRED_AGE_SECONDS = 5 * 365 * 24 * 3600;

export interface TimeToLiveOptions {
  /** How often expired items are deleted. AWS takes up to a few days; locally, seconds. @default 1000 */
  readonly sweepIntervalMs?: number;
  /** A sweep that failed (the sweeper keeps running). */
  readonly onError: (error: Error) => void;
  /** @default Date.now */
  readonly now?: () => number;
}

/**
 * UpdateTimeToLive / DescribeTimeToLive, and the sweeper that deletes expired items: those whose
 * TTL attribute is a Number of epoch seconds in the past (within five years). As on AWS, an
 * expired item stays readable until a sweep deletes it; the delete is conditional on the item
 * still being expired, so an item whose TTL was just extended survives.
 */
export class TimeToLive {
  /** TTL attribute name by table, for tables with TTL enabled. */
  private readonly enabled = new Map<string, string>();
  private readonly updateTypes: Record<string, TypeSpec>;
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<number> | undefined;
  private readonly now: () => number;

  constructor(
    private readonly engine: DynaliteEngine,
    private readonly lock: ReadWriteLock,
    private readonly options: TimeToLiveOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.updateTypes = {
      TableName: engine.typesOf('DescribeTable').TableName!,
      TimeToLiveSpecification: {
        type: 'FieldStruct<TimeToLiveSpecification>',
        notNull: true,
        children: {
          AttributeName: { type: 'String', notNull: true, lengthGreaterThanOrEqual: 1, lengthLessThanOrEqual: 255 },
          Enabled: { type: 'Boolean', notNull: true },
        },
      },
    };
  }

  start(): void {
    const interval = this.options.sweepIntervalMs ?? 1000;
    this.timer = setInterval(() => {
      void this.sweep().catch((error: Error) => this.options.onError(error));
    }, interval);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.sweeping?.catch(() => undefined);
  }

  /** UpdateTimeToLive; the caller holds the exclusive lock. */
  async update(request: Body): Promise<Body> {
    const validated = this.engine.validateAgainst(request, this.updateTypes);
    const tableName = validated.TableName as string;
    await this.engine.table(tableName);
    const { AttributeName, Enabled } = validated.TimeToLiveSpecification as { AttributeName: string; Enabled: boolean };
    const current = this.enabled.get(tableName);
    if (Enabled) {
      if (current !== undefined) throw validationError('TimeToLive is already enabled');
      this.enabled.set(tableName, AttributeName);
    } else {
      if (current === undefined) throw validationError('TimeToLive is already disabled');
      if (current !== AttributeName) {
        throw validationError(`TimeToLive is enabled on attribute ${current}, not ${AttributeName}; name the enabled attribute to disable it`);
      }
      this.enabled.delete(tableName);
    }
    return { TimeToLiveSpecification: { AttributeName, Enabled } };
  }

  /** DescribeTimeToLive; dynalite's own answer is always DISABLED. */
  async describe(request: Body): Promise<Body> {
    const validated = this.engine.validate('DescribeTable', request);
    const tableName = validated.TableName as string;
    await this.engine.table(tableName);
    const attribute = this.enabled.get(tableName);
    return {
      TimeToLiveDescription: attribute === undefined ? { TimeToLiveStatus: 'DISABLED' } : { TimeToLiveStatus: 'ENABLED', AttributeName: attribute },
    };
  }

  /** A deleted table takes its TTL setting with it; a new table of the same name starts disabled. */
  forgetTable(tableName: string): void {
    this.enabled.delete(tableName);
  }

  /** Deletes every expired item now; resolves to how many. Sweeps never overlap. */
  sweep(): Promise<number> {
    this.sweeping ??= this.sweepAll().finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  private async sweepAll(): Promise<number> {
    let deleted = 0;
    for (const [tableName, attribute] of [...this.enabled]) {
      deleted += await this.sweepTable(tableName, attribute);
    }
    return deleted;
  }

  private async sweepTable(tableName: string, attribute: string): Promise<number> {
    const nowSeconds = Math.floor(this.now() / 1000);
    const expiry = {
      ConditionExpression: '#ttl >= :oldest AND #ttl < :now',
      ExpressionAttributeNames: { '#ttl': attribute },
      ExpressionAttributeValues: { ':oldest': { N: String(nowSeconds - MAX_EXPIRED_AGE_SECONDS) }, ':now': { N: String(nowSeconds) } },
    };
    const table = await this.engine.table(tableName).catch((error: DynamoDbError) => {
      if (error.code === 'ResourceNotFoundException') return undefined;
      throw error;
    });
    if (!table) return 0;
    const keyNames = table.KeySchema.map((k) => k.AttributeName);
    const expired: AttributeMap[] = [];
    let startKey: Body | undefined;
    do {
      // A comparison with a Number operand never matches a String or a missing attribute.
      const page = await this.lock.run('shared', () =>
        this.engine.call('Scan', {
          TableName: tableName,
          FilterExpression: expiry.ConditionExpression,
          ExpressionAttributeNames: expiry.ExpressionAttributeNames,
          ExpressionAttributeValues: expiry.ExpressionAttributeValues,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of (page.Items as AttributeMap[] | undefined) ?? []) {
        expired.push(Object.fromEntries(keyNames.map((name) => [name, item[name]!])));
      }
      startKey = page.LastEvaluatedKey as Body | undefined;
    } while (startKey);

    let deleted = 0;
    for (const key of expired) {
      const gone = await this.lock.run('exclusive', async () => {
        if (this.enabled.get(tableName) !== attribute) return false;
        try {
          await this.engine.call('DeleteItem', { TableName: tableName, Key: key, ...expiry });
          return true;
        } catch (error) {
          // Rewritten since the scan, with a later expiry: it stays.
          const code = (error as DynamoDbError).code;
          if (code === 'ConditionalCheckFailedException' || code === 'ResourceNotFoundException') return false;
          throw new Error(`Deleting an expired item of ${tableName} failed: ${(error as Error).message}`, { cause: error });
        }
      });
      if (gone) deleted++;
    }
    return deleted;
  }
}
