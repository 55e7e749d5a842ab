import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readInputs } from '../../../lib/local/cli/inputs.ts';

describe('media-kit run inputs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'run-inputs-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const battle = join(dir, 'b.json');
  writeFileSync(battle, '{"battleId": "b-1"}');

  it('uploads a file named again as its own task: b.json, b-2.json, b-3.json', () => {
    const inputs = readInputs([battle, battle, join(dir, '.', 'b.json')], 'settlement');
    expect(inputs.map((i) => i.name)).toEqual(['b.json', 'b-2.json', 'b-3.json']);
    expect(inputs.map((i) => i.input)).toEqual([battle, battle, join(dir, '.', 'b.json')]);
  });

  it('still refuses two different files that would share a key', () => {
    mkdirSync(join(dir, 'other'));
    writeFileSync(join(dir, 'other', 'b.json'), '{"battleId": "b-2"}');
    expect(() => readInputs([battle, join(dir, 'other', 'b.json')], 'settlement')).toThrow(/would both be uploaded as 'b.json'/);
  });
});
