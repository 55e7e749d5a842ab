import { createRequire } from 'node:module';
import { dynaliteExpressionCache } from './dynamodb-expression-cache.ts';

const require = createRequire(import.meta.url);

/** An item or key in DynamoDB's wire JSON: `{ pk: { S: 'a' }, n: { N: '1' } }`. */
export type AttributeMap = Record<string, Record<string, unknown>>;
/** A request or response body of the JSON 1.0 protocol. */
export type Body = Record<string, unknown>;

/** What dynalite stores per table (the DescribeTable shape). */
export interface TableDescription {
  readonly TableName: string;
  readonly KeySchema: readonly { AttributeName: string; KeyType: string }[];
  readonly AttributeDefinitions: readonly { AttributeName: string; AttributeType: string }[];
}

/** A DynamoDB error as it goes on the wire: an HTTP status and a `{ __type, message }` body. */
export class DynamoDbError extends Error {
  constructor(
    readonly statusCode: number,
    readonly body: Body & { __type: string },
    options?: ErrorOptions,
  ) {
    super(String(body.message ?? body.Message ?? body.__type), options);
    this.name = 'DynamoDbError';
  }

  /** The error's short name (`ConditionalCheckFailedException`), as the SDK reports it. */
  get code(): string {
    return this.body.__type.slice(this.body.__type.indexOf('#') + 1);
  }
}

const SERVICE = 'com.amazonaws.dynamodb.v20120810#';

export function serviceError(name: string, message: string, extra: Body = {}): DynamoDbError {
  return new DynamoDbError(name === 'InternalServerError' ? 500 : 400, { __type: `${SERVICE}${name}`, message, ...extra });
}

export function validationError(message: string): DynamoDbError {
  return new DynamoDbError(400, { __type: 'com.amazon.coral.validate#ValidationException', message });
}

/** A type spec in dynalite's validation language (`{ type: 'String', notNull: true, … }`). */
export type TypeSpec = Record<string, unknown>;

interface ItemDb {
  get(key: string, callback: (error: (Error & { name: string }) | null, item?: AttributeMap) => void): void;
}

interface DynaliteStore {
  readonly options: { maxItemSize: number };
  readonly lifecycleManager: { gracefulClose(callback: (error: Error | null) => void): void };
  getTable(name: string, callback: (error: unknown, table?: TableDescription) => void): void;
  getTable(name: string, checkStatus: false, callback: (error: unknown, table?: TableDescription & { TableStatus: string }) => void): void;
  getItemDb(name: string): ItemDb;
}

interface OperationValidation {
  readonly types: Record<string, TypeSpec>;
  readonly custom?: (data: Body, store: DynaliteStore) => string | undefined;
}

type Action = (store: DynaliteStore, data: Body, callback: (error: unknown, result?: Body) => void) => void;

interface DynaliteDb {
  create(options: Record<string, unknown>): DynaliteStore;
  createKey(item: AttributeMap, table: TableDescription): string;
  validateKey(key: AttributeMap, table: TableDescription): unknown;
  validateItem(item: AttributeMap, table: TableDescription): unknown;
  validateUpdates(attributeUpdates: unknown, expressionUpdates: unknown, table: TableDescription): unknown;
  checkConditional(data: Body, item: AttributeMap | undefined): unknown;
  itemSize(item: AttributeMap): number;
}

interface DynaliteValidations {
  checkTypes(data: Body, types: Record<string, TypeSpec>): Body;
  checkValidations(data: Body, types: Record<string, TypeSpec>, custom: OperationValidation['custom'], store: DynaliteStore): void;
}

/** The operations dynalite 4.0.0 implements (its index.js list, minus DescribeTimeToLive, which the front answers). */
export const DYNALITE_OPERATIONS = [
  'BatchGetItem',
  'BatchWriteItem',
  'CreateTable',
  'DeleteItem',
  'DeleteTable',
  'DescribeTable',
  'GetItem',
  'ListTables',
  'ListTagsOfResource',
  'PutItem',
  'Query',
  'Scan',
  'TagResource',
  'UntagResource',
  'UpdateItem',
  'UpdateTable',
] as const;
export type DynaliteOperation = (typeof DYNALITE_OPERATIONS)[number];

const lowerFirst = (name: string) => name[0]!.toLowerCase() + name.slice(1);

/** One for the process: dynalite's parser modules, which it sits in front of, are shared. */
export const expressionCache = dynaliteExpressionCache();

/**
 * dynalite's store, validations and actions, called in-process. dynalite's HTTP server is not
 * used: the front serves the protocol and calls these, so a transaction can read, check and write
 * items through the same code (condition and update expressions, key and size checks, index
 * maintenance) that plain requests use.
 */
export class DynaliteEngine {
  private readonly db: DynaliteDb;
  private readonly validations: DynaliteValidations;
  private readonly store: DynaliteStore;
  private readonly actions = new Map<string, Action>();
  private readonly operationValidations = new Map<string, OperationValidation>();

  constructor(options: { createTableMs?: number; deleteTableMs?: number; updateTableMs?: number } = {}) {
    this.db = require('dynalite/db') as DynaliteDb;
    this.validations = require('dynalite/validations') as DynaliteValidations;
    this.store = this.db.create({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...options });
    for (const operation of DYNALITE_OPERATIONS) {
      this.actions.set(operation, require(`dynalite/actions/${lowerFirst(operation)}`) as Action);
      this.operationValidations.set(operation, require(`dynalite/validations/${lowerFirst(operation)}`) as OperationValidation);
    }
  }

  /** dynalite's type spec for one operation's parameters, to compose our own operations' specs from. */
  typesOf(operation: DynaliteOperation): Record<string, TypeSpec> {
    return this.operationValidations.get(operation)!.types;
  }

  /**
   * Checks a request against a type spec the way DynamoDB does (SerializationException for wrong
   * JSON types, ValidationException listing constraint violations) and returns its normalized copy.
   */
  validateAgainst(data: Body, types: Record<string, TypeSpec>, custom?: (data: Body) => string | undefined): Body {
    try {
      const checked = this.validations.checkTypes(structuredClone(data), types);
      this.validations.checkValidations(checked, types, custom && ((d) => custom(d)), this.store);
      return checked;
    } catch (error) {
      throw toDynamoDbError(error);
    }
  }

  /** Validates a request of a dynalite operation; the result carries dynalite's parsed expressions. */
  validate(operation: DynaliteOperation, data: Body): Body {
    const { types, custom } = this.operationValidations.get(operation)!;
    return this.validateAgainst(data, types, custom && ((d) => custom(d, this.store)));
  }

  /**
   * Runs only an operation's semantic checks (expression parsing, item size, attribute values) on
   * parameters already type-checked as part of a larger request; the message of the first problem.
   */
  checkParameters(operation: DynaliteOperation, data: Body): string | undefined {
    return this.operationValidations.get(operation)!.custom?.(data, this.store);
  }

  /** Runs a validated request through dynalite's action for it. */
  run(operation: DynaliteOperation, data: Body): Promise<Body> {
    const action = this.actions.get(operation)!;
    return new Promise((resolve, reject) => {
      try {
        action(this.store, data, (error, result) => (error ? reject(toDynamoDbError(error)) : resolve(result ?? {})));
      } catch (error) {
        reject(toDynamoDbError(error));
      }
    });
  }

  call(operation: DynaliteOperation, data: Body): Promise<Body> {
    return this.run(operation, this.validate(operation, data));
  }

  /** The table's description; ResourceNotFoundException when there is none. */
  table(name: string): Promise<TableDescription> {
    return new Promise((resolve, reject) => {
      this.store.getTable(name, (error, table) => (error ? reject(toDynamoDbError(error)) : resolve(table!)));
    });
  }

  /**
   * Resolves once the table has settled: ACTIVE after a create, gone after a delete. dynalite
   * answers both while the table is still CREATING or DELETING and settles it on a timer of its
   * own (0 ms here); a request arriving before that timer ran (a loaded machine) would find no
   * table, or one still in the way.
   */
  async settled(name: string, expected: 'ACTIVE' | 'GONE'): Promise<void> {
    for (let tick = 0; ; tick++) {
      const status = await new Promise<string>((resolve, reject) =>
        this.store.getTable(name, false, (error, table) => {
          if ((error as { name?: string } | null)?.name === 'NotFoundError') resolve('GONE');
          else if (error) reject(toDynamoDbError(error));
          else resolve(table!.TableStatus);
        }),
      );
      if (status === expected) return;
      if (tick === 1000) throw new Error(`Table ${name} is still ${status} after ${tick} ticks`);
      await new Promise((resolve) => setTimeout(resolve, tick < 10 ? 0 : 5));
    }
  }

  /** The stored item with this key (or the key attributes of this item), undefined when absent. */
  readItem(table: TableDescription, keyOrItem: AttributeMap): Promise<AttributeMap | undefined> {
    const key = this.db.createKey(keyOrItem, table);
    return new Promise((resolve, reject) => {
      this.store.getItemDb(table.TableName).get(key, (error, item) => {
        if (error && error.name !== 'NotFoundError') reject(toDynamoDbError(error));
        else resolve(error ? undefined : (item ?? undefined));
      });
    });
  }

  /** A string that is equal for two keys (or items) exactly when they name the same item. */
  itemIdentity(table: TableDescription, keyOrItem: AttributeMap): string {
    return `${table.TableName}\u0000${this.db.createKey(keyOrItem, table)}`;
  }

  /** A key that does not match the table's schema, as DynamoDB words it; undefined when it does. */
  keyProblem(table: TableDescription, key: AttributeMap): DynamoDbError | undefined {
    return optionalError(this.db.validateKey(key, table));
  }

  itemProblem(table: TableDescription, item: AttributeMap): DynamoDbError | undefined {
    return optionalError(this.db.validateItem(item, table));
  }

  /** An update expression that writes a key attribute (or an index key with the wrong type). */
  updateProblem(table: TableDescription, parsedUpdates: unknown): DynamoDbError | undefined {
    return optionalError(this.db.validateUpdates(undefined, parsedUpdates, table));
  }

  /** Whether an item (undefined: absent) satisfies a validated request's condition; true without one. */
  conditionHolds(validated: Body, item: AttributeMap | undefined): boolean {
    return this.db.checkConditional(validated, item) == null;
  }

  /** An item's size as DynamoDB counts it (attribute names plus values). */
  itemSize(item: AttributeMap): number {
    return this.db.itemSize(item);
  }

  get maxItemSize(): number {
    return this.store.options.maxItemSize;
  }

  close(): Promise<void> {
    // Waits for pending reads and writes, then closes the in-memory LevelDB.
    return new Promise((resolve, reject) => this.store.lifecycleManager.gracefulClose((error) => (error ? reject(error) : resolve())));
  }
}

function optionalError(error: unknown): DynamoDbError | undefined {
  return error == null ? undefined : toDynamoDbError(error);
}

/** dynalite signals API errors as `Error & { statusCode, body }`; anything else is a fault of ours. */
export function toDynamoDbError(error: unknown): DynamoDbError {
  if (error instanceof DynamoDbError) return error;
  const coded = error as { statusCode?: number; body?: Body & { __type: string } };
  if (coded && typeof coded.statusCode === 'number' && coded.body && typeof coded.body.__type === 'string') {
    return new DynamoDbError(coded.statusCode, coded.body, { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new DynamoDbError(500, { __type: `${SERVICE}InternalServerError`, message: `Internal error in the local DynamoDB: ${message}` }, { cause: error });
}
