import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serializeSettlement, settleBattle } from '../../../functions/battle-settlement/core.ts';
import { formatBattleLog } from '../../../functions/battle-settlement/format-log.ts';
import { simulateBattle } from '../../../functions/battle-settlement/simulator.ts';

const child = join(import.meta.dirname, 'settle-child.ts');
const dir = mkdtempSync(join(tmpdir(), 'settlement-determinism-'));
const logs = [
  simulateBattle({ seed: 101, players: 2, enemies: 3 }),
  simulateBattle({ seed: 202, players: 6, enemies: 12, actions: 400 }),
  simulateBattle({ seed: 303, players: 3, enemies: 2, actions: 1500, enemyKinds: ['golem'], difficultyBp: 40_000 }),
].map((log, i) => {
  const file = join(dir, `battle-${i}.json`);
  writeFileSync(file, formatBattleLog(log));
  return file;
});
const settleFiles = () => logs.map((file) => serializeSettlement(settleBattle(readFileSync(file)).document)).join('\n');
const inProcess = settleFiles();

function settleIn(node: string, flags: readonly string[] = []): string {
  return execFileSync(node, [...flags, '--import', 'tsx', child, ...logs], { encoding: 'utf8', cwd: join(import.meta.dirname, '..', '..', '..'), stdio: ['ignore', 'pipe', 'pipe'] }).trimEnd();
}

/** Node binaries of a major version on this machine: nvm, n, and MEDIA_KIT_NODE_<major> (a path). */
function nodeOfMajor(major: number): string | undefined {
  const explicit = process.env[`MEDIA_KIT_NODE_${major}`];
  if (explicit) return explicit;
  for (const root of [join(homedir(), '.nvm', 'versions', 'node'), '/usr/local/n/versions/node', join(homedir(), '.local', 'share', 'fnm', 'node-versions')]) {
    if (!existsSync(root)) continue;
    const version = readdirSync(root).filter((v) => v.replace(/^v/, '').startsWith(`${major}.`)).sort().at(-1);
    for (const bin of version ? [join(root, version, 'bin', 'node'), join(root, version, 'installation', 'bin', 'node')] : []) if (existsSync(bin)) return bin;
  }
  return undefined;
}

const currentMajor = Number(process.versions.node.split('.')[0]);

describe('replay determinism: the same log gives byte-identical settlements', () => {
  it('in this process, run after run', () => {
    expect(settleFiles()).toBe(inProcess);
  });

  it(`in a fresh process of this Node ${process.version} (no shared state, other JIT history)`, () => {
    expect(settleIn(process.execPath)).toBe(inProcess);
  });

  it('with the JIT off (--jitless: interpreted only, another code path than the optimized in-process one)', () => {
    expect(settleIn(process.execPath, ['--jitless'])).toBe(inProcess);
  });

  for (const major of [20, 22, 24].filter((m) => m !== currentMajor)) {
    const node = nodeOfMajor(major);
    if (node === undefined) {
      it.skip(`under Node ${major}: not installed here (looked in ~/.nvm, /usr/local/n, fnm; set MEDIA_KIT_NODE_${major}=/path/to/node)`, () => {});
      continue;
    }
    it(`under Node ${major} (${node})`, () => {
      expect(settleIn(node)).toBe(inProcess);
    });
  }
});
