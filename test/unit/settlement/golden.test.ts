import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serializeSettlement, settleBattle } from '../../../functions/battle-settlement/core.ts';
import { isBattleError } from '../../../functions/battle-settlement/errors.ts';
import { GOLDEN_CASES, goldenFiles } from '../../fixtures/battles/golden.ts';

const dir = join(import.meta.dirname, '..', '..', 'fixtures', 'battles');
const read = (name: string) => readFileSync(join(dir, name), 'utf8');

describe('golden battles (test/fixtures/battles)', () => {
  it.each(GOLDEN_CASES.map((c) => [c.name, c] as const))('%s: the committed log settles to the committed bytes, and the simulator still makes both', (name, golden) => {
    const files = goldenFiles(golden);
    const committedLog = read(`${name}.log.json`);
    const committedExpected = read(files.expectedFile);
    expect(files.log).toBe(committedLog);
    expect(files.expected).toBe(committedExpected);
    // Independently of the generator: settle the committed bytes themselves.
    if (files.expectedFile.endsWith('.settlement.json')) {
      expect(`${serializeSettlement(settleBattle(readFileSync(join(dir, `${name}.log.json`))).document)}\n`).toBe(committedExpected);
    } else {
      let caught: unknown;
      try {
        settleBattle(committedLog);
      } catch (error) {
        caught = error;
      }
      expect(isBattleError(caught)).toBe(true);
      const expected = JSON.parse(committedExpected) as { code: string; details: unknown };
      expect({ code: (caught as { code: string }).code, details: (caught as { details: unknown }).details }).toEqual({ code: expected.code, details: expected.details });
    }
  });

  it('covers victories, defeats and rejections', () => {
    const outcomes = GOLDEN_CASES.map((c) => {
      const name = goldenFiles(c).expectedFile;
      return name.endsWith('.rejection.json') ? 'rejected' : (JSON.parse(read(name)) as { result: string }).result;
    });
    expect(new Set(outcomes)).toEqual(new Set(['victory', 'defeat', 'rejected']));
  });
});
