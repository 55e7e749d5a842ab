import {
  DynamoDbError,
  serviceError,
  toDynamoDbError,
  validationError,
  type AttributeMap,
  type Body,
  type DynaliteEngine,
  type DynaliteOperation,
  type TableDescription,
  type TypeSpec,
} from './dynamodb-engine.ts';
import { ClientTokenCache } from './dynamodb-idempotency.ts';

/** DynamoDB's limits on one transaction. */
export const MAX_TRANSACTION_ITEMS = 100;
export const MAX_TRANSACTION_BYTES = 4 * 1024 * 1024;

const WRITE_KINDS = ['ConditionCheck', 'Put', 'Delete', 'Update'] as const;
type WriteKind = (typeof WRITE_KINDS)[number];

/** Which dynalite operation checks (and, except ConditionCheck, performs) each kind of write. */
const OPERATION_OF: Record<WriteKind, DynaliteOperation> = { ConditionCheck: 'DeleteItem', Put: 'PutItem', Delete: 'DeleteItem', Update: 'UpdateItem' };

interface PlannedWrite {
  readonly kind: WriteKind;
  /** Validated parameters with dynalite's parsed expressions (`_condition`, `_updates`). */
  readonly params: Body;
  readonly table: TableDescription;
  /** The key attributes of the item (for a Put, the whole item, from which dynalite takes the key). */
  readonly key: AttributeMap;
  readonly returnOldOnFailure: boolean;
}

interface CancellationReason {
  Code: string;
  Message?: string;
  Item?: AttributeMap;
}

/**
 * TransactWriteItems and TransactGetItems on top of dynalite's single-item actions. The caller
 * must hold the front's lock (exclusive for writes, at least shared for gets) for the whole call:
 * the lock is what makes "read old images, check every condition, apply, roll back on failure"
 * atomic and isolated, since dynalite itself has only per-item locks.
 */
export class Transactions {
  private readonly writeTypes: Record<string, TypeSpec>;
  private readonly getTypes: Record<string, TypeSpec>;

  constructor(
    private readonly engine: DynaliteEngine,
    private readonly tokens = new ClientTokenCache(),
  ) {
    ({ writeTypes: this.writeTypes, getTypes: this.getTypes } = transactionTypes(engine));
  }

  async write(request: Body): Promise<Body> {
    const validated = this.engine.validateAgainst(request, this.writeTypes);
    const writes = this.planWrites(validated.TransactItems as Body[]);
    const token = validated.ClientRequestToken as string | undefined;
    if (token !== undefined) {
      const replayed = this.tokens.replay(token, request);
      if (replayed) return replayed;
    }

    const tables = await this.resolveTables(writes.map((w) => w.params.TableName as string));
    const planned = writes.map((w) => ({ ...w, table: tables.get(w.params.TableName as string)! }));
    this.checkAgainstTables(planned);

    // Every condition sees the state before the transaction: no two writes touch the same item.
    const oldItems = await Promise.all(planned.map((w) => this.engine.readItem(w.table, w.key)));
    const reasons = planned.map((w, i): CancellationReason => {
      if (this.engine.conditionHolds(w.params, oldItems[i])) return { Code: 'None' };
      return {
        Code: 'ConditionalCheckFailed',
        Message: 'The conditional request failed',
        ...(w.returnOldOnFailure && oldItems[i] ? { Item: oldItems[i] } : {}),
      };
    });
    if (reasons.some((r) => r.Code !== 'None')) throw cancelled(reasons);

    const applied: number[] = [];
    const capacity = new CapacityTally();
    for (const [i, w] of planned.entries()) {
      if (w.kind === 'ConditionCheck') {
        capacity.add(w.table.TableName, 'read', 2 * Math.ceil(Math.max(1, this.engine.itemSize(oldItems[i] ?? {})) / 4096));
        continue;
      }
      try {
        const result = await this.apply(w);
        capacity.add(w.table.TableName, 'write', 2 * unitsOf(result));
        applied.push(i);
      } catch (error) {
        const failure = toDynamoDbError(error);
        await this.rollBack(planned, oldItems, applied, failure);
        // A problem only the data reveals (ADD to a string, an item grown past 400 KB) cancels the transaction.
        if (failure.code !== 'ValidationException') throw failure;
        throw cancelled(planned.map((_, j) => (j === i ? { Code: 'ValidationError', Message: failure.message } : { Code: 'None' })));
      }
    }

    const response: Body = capacity.report(validated.ReturnConsumedCapacity);
    if (token !== undefined) this.tokens.remember(token, request, response);
    return response;
  }

  async get(request: Body): Promise<Body> {
    const validated = this.engine.validateAgainst(request, this.getTypes);
    const gets = (validated.TransactItems as Body[]).map((element) => {
      const params = element.Get as Body;
      const problem = this.engine.checkParameters('GetItem', params);
      if (problem) throw validationError(problem);
      return params;
    });
    const tables = await this.resolveTables(gets.map((g) => g.TableName as string));
    const seen = new Set<string>();
    for (const params of gets) {
      const table = tables.get(params.TableName as string)!;
      const key = params.Key as AttributeMap;
      const problem = this.engine.keyProblem(table, key);
      if (problem) throw problem;
      const identity = this.engine.itemIdentity(table, key);
      if (seen.has(identity)) throw validationError('Transaction request cannot include multiple operations on one item');
      seen.add(identity);
    }
    const results = await Promise.all(gets.map((params) => this.engine.run('GetItem', { ...params, ConsistentRead: true, ReturnConsumedCapacity: 'TOTAL' })));
    const capacity = new CapacityTally();
    gets.forEach((params, i) => capacity.add(params.TableName as string, 'read', 2 * unitsOf(results[i]!)));
    return { Responses: results.map((r) => (r.Item ? { Item: r.Item } : {})), ...capacity.report(validated.ReturnConsumedCapacity) };
  }

  /** Request-level checks that need no table: one action per element, each action's own parameters. */
  private planWrites(elements: Body[]): Omit<PlannedWrite, 'table'>[] {
    let bytes = 0;
    const writes = elements.map((element) => {
      const kinds = WRITE_KINDS.filter((kind) => element[kind] != null);
      if (kinds.length !== 1) throw validationError('TransactItems can only contain one of Check, Put, Update or Delete');
      const kind = kinds[0]!;
      const { ReturnValuesOnConditionCheckFailure: returnValues, ...params } = element[kind] as Body;
      const problem = this.engine.checkParameters(OPERATION_OF[kind], params);
      if (problem) throw validationError(problem);
      const key = (kind === 'Put' ? params.Item : params.Key) as AttributeMap;
      bytes += this.engine.itemSize(key);
      return { kind, params, key, returnOldOnFailure: returnValues === 'ALL_OLD' };
    });
    if (bytes > MAX_TRANSACTION_BYTES) {
      throw validationError(`Transaction request cannot be larger than 4 MB: its items add up to ${bytes} bytes`);
    }
    return writes;
  }

  private async resolveTables(names: string[]): Promise<Map<string, TableDescription>> {
    const tables = new Map<string, TableDescription>();
    for (const name of new Set(names)) tables.set(name, await this.engine.table(name));
    return tables;
  }

  /** Keys that match their table's schema, updates that leave key attributes alone, one action per item. */
  private checkAgainstTables(writes: PlannedWrite[]): void {
    const seen = new Set<string>();
    for (const w of writes) {
      const problem =
        w.kind === 'Put' ? this.engine.itemProblem(w.table, w.key) : this.engine.keyProblem(w.table, w.key) ?? (w.kind === 'Update' ? this.engine.updateProblem(w.table, w.params._updates) : undefined);
      if (problem) throw problem;
      const identity = this.engine.itemIdentity(w.table, w.key);
      if (seen.has(identity)) throw validationError('Transaction request cannot include multiple operations on one item');
      seen.add(identity);
    }
  }

  /** Performs one write; its condition was checked already, under the same lock. */
  private apply(w: PlannedWrite): Promise<Body> {
    const { TableName } = w.params;
    switch (w.kind) {
      case 'Put':
        return this.engine.run('PutItem', { TableName, Item: w.params.Item, ReturnConsumedCapacity: 'TOTAL' });
      case 'Delete':
        return this.engine.run('DeleteItem', { TableName, Key: w.params.Key, ReturnConsumedCapacity: 'TOTAL' });
      case 'Update':
        return this.engine.run('UpdateItem', { TableName, Key: w.params.Key, _updates: w.params._updates, ReturnConsumedCapacity: 'TOTAL' });
      case 'ConditionCheck':
        throw new Error('A condition check writes nothing');
    }
  }

  /** Puts back the items written so far, newest first; a rollback that fails is an internal error. */
  private async rollBack(writes: PlannedWrite[], oldItems: (AttributeMap | undefined)[], applied: number[], cause: Error): Promise<void> {
    for (const i of [...applied].reverse()) {
      const w = writes[i]!;
      const old = oldItems[i];
      try {
        if (old) await this.engine.run('PutItem', { TableName: w.params.TableName, Item: old });
        else await this.engine.run('DeleteItem', { TableName: w.params.TableName, Key: keyAttributes(w.table, w.key) });
      } catch (error) {
        throw serviceError(
          'InternalServerError',
          `Rolling back a failed transaction (${cause.message}) failed on ${String(w.params.TableName)}: ${(error as Error).message}; the local table may hold a partial write`,
          {},
        );
      }
    }
  }
}

/** DynamoDB's cancellation: `Message` capitalized, one reason per element of the request, in order. */
function cancelled(reasons: CancellationReason[]): DynamoDbError {
  return new DynamoDbError(400, {
    __type: 'com.amazonaws.dynamodb.v20120810#TransactionCanceledException',
    Message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(', ')}]`,
    CancellationReasons: reasons,
  });
}

/** dynalite's capacity for one single-item action (the larger of old and new item, per KB or 4 KB). */
function unitsOf(result: Body): number {
  return Number((result.ConsumedCapacity as { CapacityUnits?: number } | undefined)?.CapacityUnits ?? 1);
}

/**
 * Capacity by table, as DynamoDB bills transactions: twice the units of the same plain reads
 * and writes (a condition check is a read). Only tables are reported, not their indexes.
 */
class CapacityTally {
  private readonly tables = new Map<string, { read: number; write: number }>();

  add(tableName: string, kind: 'read' | 'write', units: number): void {
    const tally = this.tables.get(tableName) ?? { read: 0, write: 0 };
    tally[kind] += units;
    this.tables.set(tableName, tally);
  }

  /** The response's ConsumedCapacity when the request asked for it (TOTAL or INDEXES). */
  report(requested: unknown): Body {
    if (requested !== 'TOTAL' && requested !== 'INDEXES') return {};
    return {
      ConsumedCapacity: [...this.tables].map(([TableName, { read, write }]) => {
        const units = { CapacityUnits: read + write, ...(read ? { ReadCapacityUnits: read } : {}), ...(write ? { WriteCapacityUnits: write } : {}) };
        return { TableName, ...units, ...(requested === 'INDEXES' ? { Table: units } : {}) };
      }),
    };
  }
}

/** A Put names its item; deleting what it created needs just the key attributes. */
function keyAttributes(table: TableDescription, item: AttributeMap): AttributeMap {
  return Object.fromEntries(table.KeySchema.map(({ AttributeName }) => [AttributeName, item[AttributeName]!]));
}

/** The request shapes, in dynalite's validation language, from dynalite's own per-operation specs. */
function transactionTypes(engine: DynaliteEngine): { writeTypes: Record<string, TypeSpec>; getTypes: Record<string, TypeSpec> } {
  const put = engine.typesOf('PutItem');
  const get = engine.typesOf('GetItem');
  const common = {
    TableName: put.TableName!,
    ExpressionAttributeNames: put.ExpressionAttributeNames!,
    ExpressionAttributeValues: put.ExpressionAttributeValues!,
    ReturnValuesOnConditionCheckFailure: { type: 'String', enum: ['ALL_OLD', 'NONE'] },
  };
  const optional = { type: 'String' };
  const required = { type: 'String', notNull: true };
  const items = (children: Record<string, TypeSpec>) => ({
    type: 'List',
    notNull: true,
    lengthGreaterThanOrEqual: 1,
    lengthLessThanOrEqual: MAX_TRANSACTION_ITEMS,
    children: { type: 'ValueStruct<TransactItem>', children },
  });
  return {
    writeTypes: {
      ReturnConsumedCapacity: put.ReturnConsumedCapacity!,
      ReturnItemCollectionMetrics: put.ReturnItemCollectionMetrics!,
      ClientRequestToken: { type: 'String', lengthGreaterThanOrEqual: 1, lengthLessThanOrEqual: 36 },
      TransactItems: items({
        ConditionCheck: { type: 'FieldStruct<ConditionCheck>', children: { ...common, Key: put.Item!, ConditionExpression: required } },
        Put: { type: 'FieldStruct<Put>', children: { ...common, Item: put.Item!, ConditionExpression: optional } },
        Delete: { type: 'FieldStruct<Delete>', children: { ...common, Key: put.Item!, ConditionExpression: optional } },
        Update: { type: 'FieldStruct<Update>', children: { ...common, Key: put.Item!, UpdateExpression: required, ConditionExpression: optional } },
      }),
    },
    getTypes: {
      ReturnConsumedCapacity: get.ReturnConsumedCapacity!,
      TransactItems: items({
        Get: {
          type: 'FieldStruct<Get>',
          notNull: true,
          children: { TableName: get.TableName!, Key: get.Key!, ProjectionExpression: optional, ExpressionAttributeNames: get.ExpressionAttributeNames! },
        },
      }),
    },
  };
}
