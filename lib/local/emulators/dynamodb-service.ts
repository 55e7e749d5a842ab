import { DYNALITE_OPERATIONS, DynamoDbError, serviceError, validationError, type AttributeMap, type Body, type DynaliteEngine, type DynaliteOperation } from './dynamodb-engine.ts';
import { ReadWriteLock, type LockMode } from './dynamodb-lock.ts';
import { Transactions } from './dynamodb-transactions.ts';
import { TimeToLive, type TimeToLiveOptions } from './dynamodb-ttl.ts';

/** The operations the front adds to dynalite's. */
const FRONT_OPERATIONS = ['TransactWriteItems', 'TransactGetItems', 'UpdateTimeToLive', 'DescribeTimeToLive'] as const;

/** Everything that writes items or changes tables runs alone; the rest runs alongside other reads. */
const EXCLUSIVE = new Set([
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
  'TransactWriteItems',
  'CreateTable',
  'DeleteTable',
  'UpdateTable',
  'UpdateTimeToLive',
]);

const SINGLE_ITEM_WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem']);

/**
 * The DynamoDB API the local runtime serves: dynalite's operations plus transactions and TTL.
 *
 * Isolation: every request runs under one process-wide readers-writer lock, held for the whole
 * request. Item writes (single, batch, transactional, TTL deletes) and table changes hold it
 * exclusively; reads (GetItem, BatchGetItem, Query, Scan, TransactGetItems) and descriptions share
 * it. So all operations are serializable: a read never sees part of a transaction, TransactGetItems
 * reads one consistent snapshot, and a plain write cannot land between a transaction's condition
 * checks and its writes. Where DynamoDB cancels one of two concurrent transactions on an item with
 * TransactionConflict, here the second waits and then runs against the first one's result: a
 * conditional second transaction fails its condition (ConditionalCheckFailed), an unconditional one
 * succeeds — the state a client retrying on TransactionConflict would reach. Every read is strongly
 * consistent, whatever ConsistentRead says. Writes run one at a time (about a millisecond each).
 */
export class DynamoDbService {
  readonly lock = new ReadWriteLock();
  readonly transactions: Transactions;
  readonly timeToLive: TimeToLive;
  private readonly dynaliteOperations = new Set<string>(DYNALITE_OPERATIONS);

  constructor(
    private readonly engine: DynaliteEngine,
    ttlOptions: TimeToLiveOptions,
  ) {
    this.transactions = new Transactions(engine);
    this.timeToLive = new TimeToLive(engine, this.lock, ttlOptions);
  }

  implements(operation: string): boolean {
    return this.dynaliteOperations.has(operation) || (FRONT_OPERATIONS as readonly string[]).includes(operation);
  }

  async handle(operation: string, request: Body): Promise<Body> {
    const mode: LockMode = EXCLUSIVE.has(operation) ? 'exclusive' : 'shared';
    switch (operation) {
      case 'TransactWriteItems':
        return this.lock.run(mode, () => this.transactions.write(request));
      case 'TransactGetItems':
        return this.lock.run(mode, () => this.transactions.get(request));
      case 'UpdateTimeToLive':
        return this.lock.run(mode, () => this.timeToLive.update(request));
      case 'DescribeTimeToLive':
        return this.lock.run(mode, () => this.timeToLive.describe(request));
    }
    if (!this.dynaliteOperations.has(operation)) {
      throw serviceError('UnknownOperationException', `The local DynamoDB does not implement ${operation}`);
    }
    const dynaliteOperation = operation as DynaliteOperation;
    // Validation needs no lock: it reads nothing but the request.
    const validated = this.engine.validate(dynaliteOperation, request);
    const returnValues = request.ReturnValuesOnConditionCheckFailure;
    if (SINGLE_ITEM_WRITES.has(operation) && returnValues !== undefined && returnValues !== 'ALL_OLD' && returnValues !== 'NONE') {
      throw validationError(
        `1 validation error detected: Value '${String(returnValues)}' at 'returnValuesOnConditionCheckFailure' failed to satisfy constraint: Member must satisfy enum value set: [ALL_OLD, NONE]`,
      );
    }
    return this.lock.run(mode, async () => {
      try {
        const response = await this.engine.run(dynaliteOperation, validated);
        // Still holding the lock: the next request finds the table ACTIVE, or gone.
        if (operation === 'CreateTable') await this.engine.settled(validated.TableName as string, 'ACTIVE');
        if (operation === 'DeleteTable') {
          await this.engine.settled(validated.TableName as string, 'GONE');
          this.timeToLive.forgetTable(validated.TableName as string);
        }
        return response;
      } catch (error) {
        if (SINGLE_ITEM_WRITES.has(operation) && request.ReturnValuesOnConditionCheckFailure === 'ALL_OLD') {
          throw await this.withOldItem(error, validated);
        }
        throw error;
      }
    });
  }

  /** ReturnValuesOnConditionCheckFailure=ALL_OLD, which dynalite drops: the item that failed the condition. */
  private async withOldItem(error: unknown, validated: Body): Promise<unknown> {
    if (!(error instanceof DynamoDbError) || error.code !== 'ConditionalCheckFailedException') return error;
    const table = await this.engine.table(validated.TableName as string);
    const item = await this.engine.readItem(table, (validated.Key ?? validated.Item) as AttributeMap);
    return item ? new DynamoDbError(error.statusCode, { ...error.body, Item: item }) : error;
  }
}
