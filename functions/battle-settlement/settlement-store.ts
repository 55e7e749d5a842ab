import { createHash } from 'node:crypto';
import {
  GetItemCommand,
  TransactGetItemsCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
  type TransactWriteItemsCommandInput,
} from '@aws-sdk/client-dynamodb';
import type { LedgerBalance, PlayerGrant, SettlementDocument } from './settlement.ts';

/**
 * The settlement pipeline's DynamoDB side: one transaction over the settlement record (absent
 * before) and every player's ledger item, the stored record, and the balances after the grant.
 *
 * Tables: settlements (pk `battleId`), ledger (pk `playerId`: `xp`, `gold`, `battles` and one
 * `item:<id>` number per item id, so every grant is a plain ADD with no map to create first).
 */

export interface SettlementTables {
  readonly settlements: string;
  readonly ledger: string;
}

/** Which upload a grant belongs to: the same task redelivered is `settled` again, another one `duplicate`. */
export interface TaskMark {
  readonly key: string;
  /** The upload's sequencer (or eTag): two uploads of one key are two tasks. */
  readonly mark: string;
}

/** The settlement record as stored (what a redelivery or a conflicting log is checked against). */
export interface StoredSettlement {
  readonly battleId: string;
  readonly inputHash: string;
  readonly task: TaskMark;
  readonly settledAt: string;
  /** Each player's ledger right after the grant, recorded once by the granting task; absent in between. */
  readonly balances?: ReadonlyMap<string, LedgerBalance>;
}

/** How the transaction ended: applied (now, or by an identical earlier request), or the battle already has a record. */
export type GrantOutcome = 'granted' | 'exists' | 'contended';

export const ITEM_ATTRIBUTE_PREFIX = 'item:';

/**
 * The idempotency token of a battle's grant (36 characters, DynamoDB's limit): a retried request
 * of the same grant within DynamoDB's 10-minute window is answered as applied, not applied twice.
 */
export function grantRequestToken(battleId: string, inputHash: string): string {
  return createHash('sha256').update(`${battleId}\n${inputHash}`).digest('hex').slice(0, 36);
}

/**
 * The grant: Put the record (condition: no record for this battleId) + one ADD per player. The
 * record carries the grants and the task, never a clock of its own: a retry of the same task
 * sends identical parameters, which the token makes a no-op; another task's request differs.
 */
export function grantTransaction(tables: SettlementTables, document: SettlementDocument, grants: readonly PlayerGrant[], task: TaskMark, settledAt: string): TransactWriteItemsCommandInput {
  const record: Record<string, AttributeValue> = {
    battleId: { S: document.battleId },
    inputHash: { S: document.inputHash },
    rulesetVersion: { S: document.rulesetVersion },
    season: { S: document.season },
    winner: { S: document.winner },
    taskKey: { S: task.key },
    taskMark: { S: task.mark },
    settledAt: { S: settledAt },
    grants: { S: JSON.stringify(grants) },
  };
  return {
    ClientRequestToken: grantRequestToken(document.battleId, document.inputHash),
    TransactItems: [
      { Put: { TableName: tables.settlements, Item: record, ConditionExpression: 'attribute_not_exists(battleId)' } },
      ...grants.map((grant) => ({ Update: ledgerUpdate(tables.ledger, grant) })),
    ],
  };
}

function ledgerUpdate(table: string, grant: PlayerGrant) {
  const names: Record<string, string> = {};
  const values: Record<string, AttributeValue> = { ':xp': { N: String(grant.xp) }, ':gold': { N: String(grant.gold) }, ':one': { N: '1' } };
  const adds = ['xp :xp', 'gold :gold', 'battles :one'];
  Object.keys(grant.items)
    .sort()
    .forEach((item, i) => {
      names[`#i${i}`] = `${ITEM_ATTRIBUTE_PREFIX}${item}`;
      values[`:i${i}`] = { N: String(grant.items[item]) };
      adds.push(`#i${i} :i${i}`);
    });
  return {
    TableName: table,
    Key: { playerId: { S: grant.playerId } },
    UpdateExpression: `ADD ${adds.join(', ')}`,
    ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
    ExpressionAttributeValues: values,
  };
}

export function balanceOf(item: Record<string, AttributeValue> | undefined): LedgerBalance {
  const items: Record<string, number> = {};
  for (const [name, value] of Object.entries(item ?? {})) {
    if (name.startsWith(ITEM_ATTRIBUTE_PREFIX) && value.N !== undefined) items[name.slice(ITEM_ATTRIBUTE_PREFIX.length)] = Number(value.N);
  }
  const sorted = Object.fromEntries(Object.keys(items).sort().map((k) => [k, items[k]!]));
  return { xp: Number(item?.xp?.N ?? 0), gold: Number(item?.gold?.N ?? 0), items: sorted };
}

function balancesJson(balances: ReadonlyMap<string, LedgerBalance>): string {
  return JSON.stringify([...balances.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function errorName(error: unknown): string | undefined {
  return (error as { name?: string }).name;
}

export class SettlementStore {
  constructor(
    private readonly ddb: DynamoDBClient,
    readonly tables: SettlementTables,
  ) {}

  /**
   * Runs the grant transaction. `exists`: the battle already has a record (this condition failed,
   * or another request with this token but other parameters committed). `contended`: another
   * transaction held an item (TransactionConflict / in progress): try again shortly.
   */
  async grant(input: TransactWriteItemsCommandInput, signal?: AbortSignal): Promise<GrantOutcome> {
    try {
      await this.ddb.send(new TransactWriteItemsCommand(input), { abortSignal: signal });
      return 'granted';
    } catch (error) {
      const name = errorName(error);
      if (name === 'TransactionCanceledException') {
        const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
        if (reasons[0]?.Code === 'ConditionalCheckFailed') return 'exists';
        if (reasons.some((r) => r.Code === 'TransactionConflict')) return 'contended';
        throw error;
      }
      if (name === 'IdempotentParameterMismatchException') return 'exists';
      if (name === 'TransactionInProgressException' || name === 'TransactionConflictException') return 'contended';
      throw error;
    }
  }

  /** The stored record (strongly consistent), or undefined when the battle has none. */
  async read(battleId: string, signal?: AbortSignal): Promise<StoredSettlement | undefined> {
    const response = await this.ddb.send(
      new GetItemCommand({ TableName: this.tables.settlements, Key: { battleId: { S: battleId } }, ConsistentRead: true }),
      { abortSignal: signal },
    );
    const item = response.Item;
    if (!item) return undefined;
    const balances = item.balances?.S ? new Map(JSON.parse(item.balances.S) as [string, LedgerBalance][]) : undefined;
    return {
      battleId,
      inputHash: item.inputHash?.S ?? '',
      task: { key: item.taskKey?.S ?? '', mark: item.taskMark?.S ?? '' },
      settledAt: item.settledAt?.S ?? '',
      ...(balances ? { balances } : {}),
    };
  }

  /** Every player's ledger now, read in one serializable snapshot (TransactGetItems). */
  async readBalances(playerIds: readonly string[], signal?: AbortSignal): Promise<Map<string, LedgerBalance>> {
    const response = await this.ddb.send(
      new TransactGetItemsCommand({ TransactItems: playerIds.map((id) => ({ Get: { TableName: this.tables.ledger, Key: { playerId: { S: id } } } })) }),
      { abortSignal: signal },
    );
    const responses = response.Responses ?? [];
    return new Map(playerIds.map((id, i) => [id, balanceOf(responses[i]?.Item)]));
  }

  /**
   * Records the balances after the grant on the settlement record, first writer wins, and answers
   * the balances the record holds afterwards (these, or an earlier attempt's of the same task).
   */
  async recordBalances(battleId: string, balances: ReadonlyMap<string, LedgerBalance>, signal?: AbortSignal): Promise<ReadonlyMap<string, LedgerBalance>> {
    try {
      await this.ddb.send(
        new UpdateItemCommand({
          TableName: this.tables.settlements,
          Key: { battleId: { S: battleId } },
          UpdateExpression: 'SET balances = :b',
          ConditionExpression: 'attribute_exists(battleId) AND attribute_not_exists(balances)',
          ExpressionAttributeValues: { ':b': { S: balancesJson(balances) } },
        }),
        { abortSignal: signal },
      );
      return balances;
    } catch (error) {
      if (errorName(error) !== 'ConditionalCheckFailedException') throw error;
      const stored = await this.read(battleId, signal);
      if (!stored?.balances) throw new Error(`Settlement record of battle ${battleId} vanished while its balances were recorded`, { cause: error });
      return stored.balances;
    }
  }
}
