import { cpus, loadavg } from 'node:os';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { settleBattle, type PlayerGrant } from '../../functions/battle-settlement/core.ts';
import { formatBattleLog } from '../../functions/battle-settlement/format-log.ts';
import { SettlementEnv } from '../../functions/battle-settlement/options.ts';
import { balanceOf } from '../../functions/battle-settlement/settlement-store.ts';
import type { LedgerBalance, SettlementDocument } from '../../functions/battle-settlement/settlement.ts';
import { simulateBattle } from '../../functions/battle-settlement/simulator.ts';
import { ensureAssembly } from '../../lib/local/assembly/ensure-assembly.ts';
import { LocalRuntime } from '../../lib/local/runtime.ts';
import type { Task } from '../../lib/local/tasks/outcome-tracker.ts';
import { PROJECT_ROOT } from '../../lib/pipelines/paths.ts';
import { percentile, printTable, writeResults } from '../lib/report.ts';

/**
 * bench/settlement (pipeline half): N battle logs (default 2 000, 5 % of them repeats of earlier
 * ones, shuffled so some race their original) uploaded to the games preset through the local
 * runtime: S3 → SQS → settle function → one DynamoDB transaction → settlement.json → Battle
 * Settled → leaderboard. Two workloads:
 * - hot ledgers: every battle's players are the same two (p1, p2), so grants contend on two items;
 * - own ledgers: each battle's players are its own (no contention);
 * beside the baseline, the same logs through the core alone in this process (the replay's share).
 * Checked, not assumed: zero double grants (every ledger equals the sum of its battles' grants,
 * once each), one settled per unique battle, a duplicate per repeat.
 *   npx tsx bench/settlement/pipeline.ts [--battles N] [--duplicates-pct P] [--upload-concurrency N]
 */
const args = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const battles = flag('battles', 2000);
const duplicatePct = flag('duplicates-pct', 5);
const uploadConcurrency = flag('upload-concurrency', 32);

interface Workload {
  readonly label: string;
  /** Upload order: names and bodies; repeats carry the same bytes under another name. */
  readonly uploads: readonly { name: string; body: Buffer }[];
  /** Expected ledger per player: the sum over unique battles of its grants. */
  readonly expected: ReadonlyMap<string, LedgerBalance>;
  readonly unique: number;
  readonly repeats: number;
}

function addGrant(into: Map<string, { xp: number; gold: number; items: Record<string, number> }>, grant: PlayerGrant): void {
  const ledger = into.get(grant.playerId) ?? { xp: 0, gold: 0, items: {} };
  ledger.xp += grant.xp;
  ledger.gold += grant.gold;
  for (const [item, n] of Object.entries(grant.items)) ledger.items[item] = (ledger.items[item] ?? 0) + n;
  into.set(grant.playerId, ledger);
}

function workload(label: string, seedBase: number, ownPlayers: boolean, count = battles): Workload {
  const repeats = Math.round((count * duplicatePct) / 100);
  const unique = count - repeats;
  const expected = new Map<string, { xp: number; gold: number; items: Record<string, number> }>();
  const originals: { name: string; body: Buffer }[] = [];
  for (let i = 0; i < unique; i++) {
    const log = simulateBattle({ seed: seedBase + i, players: 2, enemies: 3, actions: 60 });
    let text = formatBattleLog({ ...log, battleId: `${label}-${i}-${log.battleId}` });
    if (ownPlayers) text = text.replace(/"(p\d+)"/g, (_, id: string) => `"${label}-${i}-${id}"`);
    for (const grant of settleBattle(text).grants) addGrant(expected, grant);
    originals.push({ name: `${label}/${i}.json`, body: Buffer.from(text) });
  }
  const copies = Array.from({ length: repeats }, (_, r) => {
    const original = originals[(r * 7919) % unique]!;
    return { name: original.name.replace(/\.json$/, `-again.json`), body: original.body };
  });
  // Originals first in order; each copy lands somewhere after its original's position (some race it).
  const uploads = [...originals];
  for (const [r, copy] of copies.entries()) {
    const at = Math.min(uploads.length, ((r * 7919) % unique) + 1 + ((r * 31) % 40));
    uploads.splice(at, 0, copy);
  }
  return { label, uploads, expected, unique, repeats };
}

async function pool<T>(items: readonly T[], limit: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await run(items[next++]!);
    }),
  );
}

const log = (message: string) => process.stderr.write(`bench:settlement-pipeline ${message}\n`);

const assembly = await ensureAssembly({ projectRoot: PROJECT_ROOT, preset: 'games', onProgress: log });
const errors: string[] = [];
const runtime = await LocalRuntime.start({ assemblyDirectory: assembly.directory, onError: (e) => errors.push(e.message) });
const route = runtime.pipeline('settlement')!;
const env = runtime.hosts.get(route.functionName)!.spec.environment;
const ddb = new DynamoDBClient({ endpoint: runtime.dynamoDbEndpoint!, region: runtime.region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });

interface Row {
  label: string;
  tasks: number;
  wallMs: number;
  perSecond: number;
  p50: number;
  p99: number;
  settled: number;
  duplicate: number;
  failed: number;
  missing: number;
  attemptsOver1: number;
  ledgersChecked: number;
  doubleGrants: number;
  mismatches: number;
}

async function runWorkload(w: Workload): Promise<Row> {
  log(`${w.label}: ${w.uploads.length} uploads (${w.unique} battles + ${w.repeats} repeats)…`);
  const tasks: Task[] = [];
  const started = performance.now();
  await pool(w.uploads, uploadConcurrency, async (u) => {
    tasks.push(await runtime.upload(route, u.name, u.body, 'application/json'));
  });
  const done = await Promise.all(tasks.map((t) => t.done));
  const wallMs = performance.now() - started;
  const latencies = done.map((t) => (t.endedAt ?? 0) - t.uploadedAt);
  const statuses = await Promise.all(
    done.map(async (t) => {
      if (t.status !== 'succeeded') return 'failed';
      try {
        const object = await runtime.s3.send(new GetObjectCommand({ Bucket: route.resultsBucket, Key: t.resultKey }));
        return (JSON.parse(await object.Body!.transformToString()) as SettlementDocument).status;
      } catch (error) {
        log(`${w.label}: ${t.key} succeeded (end ${t.end}, ${t.attempts} attempts) but ${t.resultKey} reads ${(error as Error).name}`);
        return 'missing';
      }
    }),
  );
  let doubleGrants = 0;
  let mismatches = 0;
  for (const [playerId, want] of w.expected) {
    const got = balanceOf((await ddb.send(new GetItemCommand({ TableName: env[SettlementEnv.LEDGER_TABLE]!, Key: { playerId: { S: playerId } }, ConsistentRead: true }))).Item);
    if (JSON.stringify(got) === JSON.stringify({ ...want, items: Object.fromEntries(Object.entries(want.items).sort()) })) continue;
    if (got.xp > want.xp || got.gold > want.gold) doubleGrants += 1;
    else mismatches += 1;
    log(`${w.label}: ledger ${playerId} is ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
  }
  return {
    label: w.label,
    tasks: done.length,
    wallMs: Math.round(wallMs),
    perSecond: Math.round((done.length / wallMs) * 1000),
    p50: Math.round(percentile(latencies, 50)),
    p99: Math.round(percentile(latencies, 99)),
    settled: statuses.filter((s) => s === 'settled').length,
    duplicate: statuses.filter((s) => s === 'duplicate').length,
    failed: statuses.filter((s) => s === 'failed').length,
    missing: statuses.filter((s) => s === 'missing').length,
    attemptsOver1: done.filter((t) => t.attempts > 1).length,
    ledgersChecked: w.expected.size,
    doubleGrants,
    mismatches,
  };
}

let rows: Row[] = [];
let baselinePerSecond = 0;
try {
  // Warm the function instances and the assembly before timing anything.
  await runWorkload(workload('warmup', 9_000_000, true, Math.min(300, battles)));
  const own = workload('own', 1_000_000, true);
  const hot = workload('hot', 2_000_000, false);
  // Baseline: the same logs through the core alone, in this process, one at a time.
  const baselineStart = performance.now();
  for (const u of own.uploads) settleBattle(u.body);
  baselinePerSecond = Math.round((own.uploads.length / (performance.now() - baselineStart)) * 1000);
  // Hot first, then own: neither gets the other's warm-up for free; the table says which ran first.
  rows = [await runWorkload(hot), await runWorkload(own)];
} finally {
  ddb.destroy();
  await runtime.stop();
}

const records = rows.reduce((n, r) => n + r.settled, 0);
printTable(
  ['workload', 'tasks', 'wall ms', 'tasks/s', '× core alone', 'p50 ms', 'p99 ms', 'settled', 'duplicate', 'failed', 'result missing', 'retried', 'ledgers', 'double grants', 'other mismatches'],
  [
    ['core alone (baseline, in process)', battles, '', baselinePerSecond, '1', '', '', '', '', '', '', '', '', '', ''],
    ...rows.map((r) => [
      r.label === 'own' ? 'own ledgers (no contention)' : 'hot ledgers (2 players in every battle)',
      r.tasks,
      r.wallMs,
      r.perSecond,
      (r.perSecond / baselinePerSecond).toFixed(3),
      r.p50,
      r.p99,
      r.settled,
      r.duplicate,
      r.failed,
      r.missing,
      r.attemptsOver1,
      r.ledgersChecked,
      r.doubleGrants,
      r.mismatches,
    ]),
  ],
);
const file = writeResults('settlement-pipeline', { battles, duplicatePct, uploadConcurrency, load: loadavg(), baselinePerSecond, rows, runtimeErrors: errors });
console.log(`load average at the end: ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores; ${records} settlement records; results in ${file}`);
if (errors.length > 0) console.log(`runtime errors: ${errors.slice(0, 5).join('; ')}`);
const bad = rows.some((r) => r.doubleGrants > 0 || r.mismatches > 0 || r.failed > 0 || r.missing > 0);
process.exitCode = bad ? 1 : 0;
