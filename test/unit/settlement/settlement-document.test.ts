import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { asDuplicate, serializeSettlement, settleBattle, withLedgerBalances } from '../../../functions/battle-settlement/core.ts';
import { rulesetFor } from '../../../functions/battle-settlement/ruleset.ts';

const log = readFileSync(join(import.meta.dirname, '..', '..', 'fixtures', 'battles', 'duo-victory.log.json'));

describe('the settlement document and what the handler builds on it', () => {
  it('carries what the handler, the console and the leaderboard need', () => {
    const { document, grants, inputHash, log: parsed } = settleBattle(log);
    const ruleset = rulesetFor('1')!;
    expect(document).toMatchObject({
      battleId: parsed.battleId,
      status: 'settled',
      result: 'victory',
      winner: 'players',
      durationMs: parsed.claimed.durationMs,
      rulesetVersion: '1',
      rulesetHash: ruleset.hash,
      season: ruleset.data.season,
      inputHash,
    });
    expect(document.players.map((p) => p.ledger)).toEqual([null, null]);
    expect(grants).toEqual(document.players.map((p) => ({ playerId: p.playerId, ...p.rewards })));
    // Drops are the killers': every item granted is a drop of an enemy that player killed.
    for (const grant of grants) {
      const kills = document.enemies.filter((e) => e.killedBy === grant.playerId).map((e) => ruleset.enemies.get(e.kind)!.drops.map((d) => d.itemId));
      for (const item of Object.keys(grant.items)) expect(kills.flat()).toContain(item);
    }
  });

  it('withLedgerBalances fills every player’s balance, and refuses a missing one', () => {
    const { document } = settleBattle(log);
    const balances = new Map(document.players.map((p, i) => [p.playerId, { xp: 1000 + i, gold: 50, items: { 'wolf-pelt': 3 } }]));
    const filled = withLedgerBalances(document, balances);
    expect(filled.players.map((p) => p.ledger)).toEqual([...balances.values()]);
    expect(document.players[0]!.ledger).toBeNull();
    expect(() => withLedgerBalances(document, new Map([...balances].slice(1)))).toThrow(`No ledger balance for player '${document.players[0]!.playerId}'`);
  });

  it('asDuplicate changes the status only; serialization is canonical whatever order the handler built objects in', () => {
    const { document } = settleBattle(log);
    const duplicate = asDuplicate(document);
    expect({ ...duplicate, status: 'settled' }).toEqual(document);
    expect(duplicate.status).toBe('duplicate');
    const balances = new Map(document.players.map((p) => [p.playerId, { items: { b: 1, a: 2 }, gold: 5, xp: 7 }]));
    const text = serializeSettlement(withLedgerBalances(duplicate, balances));
    expect(text).toContain('"ledger":{"gold":5,"items":{"a":2,"b":1},"xp":7}');
    expect(text.indexOf('"battleId"')).toBe(1);
    expect(JSON.parse(text).status).toBe('duplicate');
  });
});
