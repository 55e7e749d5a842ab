import { battleLogSchema } from '../../functions/battle-settlement/battle-log.ts';
import { serializeSettlement, settleBattle } from '../../functions/battle-settlement/core.ts';
import { simulateBattle } from '../../functions/battle-settlement/simulator.ts';
import { median, printTable, writeResults } from '../lib/report.ts';

/**
 * bench/settlement (core half): settlements per CPU-second (= per core) for logs of 100, 1 000
 * and 10 000 actions — bytes → parse → schema → replay → rewards → canonical settlement JSON —
 * beside the floor, JSON.parse + schema validation alone of the same bytes, in the same process,
 * interleaved over rounds so drift hits both alike.
 *   npx tsx bench/settlement/run.ts [--rounds N] [--ms N]
 */
const args = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const rounds = flag('rounds', 5);
/** CPU time each measurement runs for. */
const sliceMs = flag('ms', 300);
const TARGETS = { settlementsPerCoreSecondAt100: 10_000, maxRatioToFloor: 2 };

/** Long fights that use every action: golems sized to outlast the budget (see simulateBattle). */
function logOf(actions: number, variant: number): Buffer {
  const log = simulateBattle({ seed: actions * 7 + variant, players: 6, enemies: 12, actions, enemyKinds: ['golem'], difficultyBp: 40_000 });
  if (log.actions.length !== actions) throw new Error(`simulator made ${log.actions.length} actions, not ${actions}`);
  return Buffer.from(JSON.stringify(log));
}

/** Ops per CPU-second of `op` over a few inputs, run for about sliceMs of CPU. */
function measure(inputs: readonly Buffer[], op: (input: Buffer) => unknown): number {
  let ops = 0;
  let sink = 0;
  const start = process.cpuUsage();
  let cpuMs = 0;
  while (cpuMs < sliceMs) {
    for (const input of inputs) {
      sink ^= op(input) === undefined ? 1 : 0;
      ops += 1;
    }
    const used = process.cpuUsage(start);
    cpuMs = (used.user + used.system) / 1000;
  }
  if (sink < 0) console.log(sink);
  return ops / (cpuMs / 1000);
}

const settle = (input: Buffer) => serializeSettlement(settleBattle(input).document);
const floor = (input: Buffer) => {
  const parsed = battleLogSchema.safeParse(JSON.parse(input.toString('utf8')));
  if (!parsed.success) throw new Error('invalid bench log');
  return parsed.data;
};

const sizes = [100, 1000, 10_000];
const inputs = new Map(sizes.map((n) => [n, [0, 1, 2].map((v) => logOf(n, v))]));
for (const logs of inputs.values()) for (const log of logs) settle(log); // every log settles before it is timed
console.error(`logs: ${sizes.map((n) => `${n} actions ≈ ${Math.round(inputs.get(n)![0]!.length / 1024)} KB`).join(', ')}; ${rounds} rounds × ${sliceMs} ms CPU each`);

// Warm both paths so JIT tiers do not favour whichever runs second.
for (const n of sizes) {
  measure(inputs.get(n)!, settle);
  measure(inputs.get(n)!, floor);
}
const runs: Record<string, { settle: number[]; floor: number[] }> = Object.fromEntries(sizes.map((n) => [n, { settle: [], floor: [] }]));
for (let round = 0; round < rounds; round++) {
  for (const n of sizes) {
    const order = round % 2 ? (['floor', 'settle'] as const) : (['settle', 'floor'] as const);
    for (const which of order) runs[n]![which].push(measure(inputs.get(n)!, which === 'settle' ? settle : floor));
  }
}

const summary = sizes.map((n) => {
  const settlePerSecond = median(runs[n]!.settle);
  const floorPerSecond = median(runs[n]!.floor);
  return { actions: n, bytes: inputs.get(n)![0]!.length, settlePerCoreSecond: settlePerSecond, floorPerCoreSecond: floorPerSecond, costRatioToFloor: floorPerSecond / settlePerSecond };
});
printTable(
  ['actions', 'log KB', 'settlements / core-s', 'parse+validate / core-s (floor)', 'settle µs', 'floor µs', 'settle cost ÷ floor'],
  summary.map((s) => [
    s.actions,
    (s.bytes / 1024).toFixed(1),
    s.settlePerCoreSecond.toFixed(0),
    s.floorPerCoreSecond.toFixed(0),
    (1e6 / s.settlePerCoreSecond).toFixed(1),
    (1e6 / s.floorPerCoreSecond).toFixed(1),
    `${s.costRatioToFloor.toFixed(2)}x`,
  ]),
);
const at100 = summary[0]!.settlePerCoreSecond;
const worst = Math.max(...summary.map((s) => s.costRatioToFloor));
console.log(`\n100-action logs: ${at100.toFixed(0)} settlements/core-s (target ≥ ${TARGETS.settlementsPerCoreSecondAt100}): ${at100 >= TARGETS.settlementsPerCoreSecondAt100 ? 'met' : 'MISSED'}`);
console.log(`worst cost vs parse+validate: ${worst.toFixed(2)}x (target ≤ ${TARGETS.maxRatioToFloor}x): ${worst <= TARGETS.maxRatioToFloor ? 'met' : 'MISSED'}`);
const file = writeResults('settlement', { rounds, sliceMs, targets: TARGETS, summary, runs });
console.log(`results: ${file}`);
