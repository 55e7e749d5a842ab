import { costReport, type PipelineCost } from '../../../functions/shared/cost/cost-report.ts';
import { priceTableFor } from '../../../functions/shared/cost/price-table.ts';
import { bold, dim } from './format.ts';
import { TaskApiClient } from './task-api-client.ts';
import { resolveTaskApi } from './task-api-target.ts';

/** `media-kit cost`: per pipeline, what its measured tasks cost against an always-on container. */
export async function costCommand(options: { readonly json: boolean; readonly stack?: string }): Promise<number> {
  const target = await resolveTaskApi(options);
  const tasks = await new TaskApiClient(target).listAll();
  const { table, exact } = priceTableFor(target.region);
  const report = costReport(
    tasks.filter((t) => t.attempts.length > 0).map((t) => ({ ...t, architecture: t.architecture ?? 'x86_64', attempts: t.attempts })),
    table,
  );
  if (options.json) {
    console.log(JSON.stringify({ region: target.region, prices: { region: table.region, asOf: table.asOf, exact }, pipelines: report }, null, 2));
    return 0;
  }
  console.log(costTable(report));
  console.log(dim(`Prices: ${table.region} list prices as of ${table.asOf}${exact ? '' : ` (no table for ${target.region}: us-east-1 shown)`}; the container is Fargate sized for the measured peak, 730 h a month.`));
  return 0;
}

const usd = (value: number, digits = 6) => `$${value.toFixed(digits)}`;

export function costTable(report: readonly PipelineCost[]): string {
  if (report.length === 0) return dim('no finished tasks yet');
  const headers = ['pipeline', 'tasks', 'p50 ms', 'p95 ms', 'GB-s', 'per task', 'per 1 000', 'peak', 'always-on container / month', 'break-even tasks / month'];
  const rows = report.map((p) => [
    p.pipeline,
    String(p.tasks),
    String(Math.round(p.p50DurationMs)),
    String(Math.round(p.p95DurationMs)),
    p.gbSeconds.toFixed(3),
    usd(p.costPerTaskUsd, 8),
    usd(p.costPer1000Usd, 4),
    String(p.peakConcurrency),
    `${usd(p.container.monthlyUsd, 2)} (${p.container.vcpu} vCPU, ${p.container.memoryGb} GB)`,
    Number.isFinite(p.breakEvenTasksPerMonth) ? p.breakEvenTasksPerMonth.toLocaleString('en-US') : '∞',
  ]);
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [bold(line(headers)), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}
