import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { settleBattle } from '../../../functions/battle-settlement/core.ts';
import { main } from '../../../lib/local/cli/main.ts';
import { pipelineForContent } from '../../../lib/local/cli/route-by-content.ts';

const root = join(import.meta.dirname, '..', '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'sample-battle-'));

/** Runs main() in this process, capturing what it writes. */
async function inProcess(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  try {
    return { status: await main(args), stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

/** The real CLI in a child process (once: it costs a few seconds to boot). */
function cli(...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', join(root, 'bin', 'media-kit.ts'), ...args], { cwd: root, encoding: 'utf8' });
}

describe('media-kit sample battle', () => {
  it('prints a valid log to stdout that settles, routes to settlement, and obeys the flags', () => {
    const run = cli('sample', 'battle', '--seed', '42', '--players', '3', '--enemies', '4', '--actions', '50');
    expect(run.status, run.stderr).toBe(0);
    const log = JSON.parse(run.stdout);
    expect(log.players).toHaveLength(3);
    expect(log.enemies).toHaveLength(4);
    expect(log.actions.length).toBeLessThanOrEqual(50);
    expect(log.seed).toBe(42);
    const { document } = settleBattle(run.stdout);
    expect(document).toMatchObject({ battleId: log.battleId, status: 'settled', result: log.claimed.result });
    expect(pipelineForContent(Buffer.from(run.stdout.slice(0, 64)))).toBe('settlement');
    expect(run.stderr).toContain(`battle ${log.battleId} (seed 42): 3 players vs 4 enemies`);
  });

  it('--out writes the same log as stdout for the same seed', async () => {
    const file = join(dir, 'b.json');
    const written = await inProcess('sample', 'battle', '--seed', '7', '--out', file);
    expect(written).toMatchObject({ status: 0, stdout: '' });
    expect(written.stderr).toContain(`wrote ${file}`);
    expect(readFileSync(file, 'utf8')).toBe((await inProcess('sample', 'battle', '--seed', '7')).stdout);
    expect(settleBattle(readFileSync(file)).document.status).toBe('settled');
  });

  it('without --seed picks one and says which, so the log can be made again', async () => {
    const run = await inProcess('sample', 'battle', '--actions', '5');
    expect(run.status).toBe(0);
    const seed = Number(/\(seed (\d+)\)/.exec(run.stderr)![1]);
    expect((await inProcess('sample', 'battle', '--actions', '5', '--seed', String(seed))).stdout).toBe(run.stdout);
  });

  it.each([
    [['sample', 'battle', '--port', '1'], /USAGE.*Unknown option '--port'/],
    [['sample', 'battle', '--players', '0'], /USAGE --players takes a whole number 1\.\.6, not '0'/],
    [['sample', 'battle', '--seed', '-3'], /USAGE.*--seed/],
    [['sample', 'battle', '--enemies', '2.5'], /USAGE --enemies takes a whole number 1\.\.12, not '2\.5'/],
    [['sample', 'video'], /USAGE sample makes 'battle' samples, not 'video'/],
    [['sample'], /USAGE sample makes 'battle' samples, not nothing/],
  ])('%j is a usage error (exit 1)', async (args, message) => {
    const run = await inProcess(...args);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(message);
  });
});
