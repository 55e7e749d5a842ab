import { cpus, loadavg } from 'node:os';
import { battleLogSchema } from '../../functions/battle-settlement/battle-log.ts';
import { serializeSettlement, settleBattle } from '../../functions/battle-settlement/core.ts';
import { simulateBattle } from '../../functions/battle-settlement/simulator.ts';
import { median, printTable, writeResults } from '../lib/report.ts';

/**
 * bench/settlement (core half): settlements per CPU-second (= per core) for logs of 100, 1 000
 * and 10 000 actions — bytes → parse → validate → replay → rewards → canonical settlement JSON —
 * beside the floor, JSON.parse + zod validation of the battle-log schema alone, of the same bytes,
 * in the same process, interleaved over rounds so drift hits both alike. JSON.parse alone is
 * shown too. (The core validates honest logs with its own exact fast path and runs zod only to
 * name what is wrong, so its cost can come near the floor's.) A fourth log, 100 actions against
 * 12 enemies that keep attacking long after the last action, shows the cost of a long tail.
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

interface Case {
  readonly label: string;
  readonly actions: number;
  readonly enemies: number;
  /** The brief's targets apply to these. */
  readonly targeted: boolean;
}
const cases: Case[] = [
  { label: '100', actions: 100, enemies: 2, targeted: true },
  { label: '1000', actions: 1000, enemies: 2, targeted: true },
  { label: '10000', actions: 10_000, enemies: 2, targeted: true },
  { label: '100, 12 enemies, long tail', actions: 100, enemies: 12, targeted: false },
];

/** Raids that use every action: 6 players against golems sized to outlast the budget (see simulateBattle). */
function logOf({ actions, enemies }: Case, variant: number): Buffer {
  const log = simulateBattle({ seed: actions * 7 + enemies + variant, players: 6, enemies, actions, enemyKinds: ['golem'], difficultyBp: 40_000 });
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

const parseOnly = (input: Buffer) => JSON.parse(input.toString('utf8'));
const ops = { settle, floor, parseOnly } as const;
type OpName = keyof typeof ops;

const inputs = cases.map((c) => [0, 1, 2].map((v) => logOf(c, v)));
for (const logs of inputs) for (const log of logs) settle(log); // every log settles before it is timed
console.error(`logs: ${cases.map((c, i) => `${c.label} actions ≈ ${Math.round(inputs[i]![0]!.length / 1024)} KB`).join('; ')}; ${rounds} rounds × ${sliceMs} ms CPU each`);

// Warm every path so JIT tiers do not favour whichever runs second.
for (const logs of inputs) for (const op of Object.values(ops)) measure(logs, op);
const runs = cases.map(() => ({ settle: [] as number[], floor: [] as number[], parseOnly: [] as number[] }));
for (let round = 0; round < rounds; round++) {
  cases.forEach((_, i) => {
    const order: OpName[] = round % 2 ? ['parseOnly', 'floor', 'settle'] : ['settle', 'floor', 'parseOnly'];
    for (const name of order) runs[i]![name].push(measure(inputs[i]!, ops[name]));
  });
}

const summary = cases.map((c, i) => {
  const settlePerSecond = median(runs[i]!.settle);
  const floorPerSecond = median(runs[i]!.floor);
  const parsePerSecond = median(runs[i]!.parseOnly);
  return { ...c, bytes: inputs[i]![0]!.length, settlePerCoreSecond: settlePerSecond, floorPerCoreSecond: floorPerSecond, parsePerCoreSecond: parsePerSecond, costRatioToFloor: floorPerSecond / settlePerSecond };
});
printTable(
  ['actions', 'log KB', 'settlements / core-s', 'floor / core-s', 'settle µs', 'floor µs (parse + zod)', 'JSON.parse µs', 'settle cost ÷ floor'],
  summary.map((s) => [
    s.label,
    (s.bytes / 1024).toFixed(1),
    s.settlePerCoreSecond.toFixed(0),
    s.floorPerCoreSecond.toFixed(0),
    (1e6 / s.settlePerCoreSecond).toFixed(1),
    (1e6 / s.floorPerCoreSecond).toFixed(1),
    (1e6 / s.parsePerCoreSecond).toFixed(1),
    `${s.costRatioToFloor.toFixed(2)}x`,
  ]),
);
const targeted = summary.filter((s) => s.targeted);
const at100 = targeted[0]!.settlePerCoreSecond;
const worst = Math.max(...targeted.map((s) => s.costRatioToFloor));
console.log(`\n100-action logs: ${at100.toFixed(0)} settlements/core-s (target ≥ ${TARGETS.settlementsPerCoreSecondAt100}): ${at100 >= TARGETS.settlementsPerCoreSecondAt100 ? 'met' : 'MISSED'}`);
console.log(`worst cost vs parse+validate (100, 1000, 10000): ${worst.toFixed(2)}x (target ≤ ${TARGETS.maxRatioToFloor}x): ${worst <= TARGETS.maxRatioToFloor ? 'met' : 'MISSED'}`);
const file = writeResults('settlement', { rounds, sliceMs, targets: TARGETS, load: loadavg(), summary, runs });
console.log(`load average at the end: ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores`);
console.log(`results: ${file}`);
