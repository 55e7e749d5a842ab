import { EnvName } from '../../functions/shared/env-names.ts';
import type { FunctionSpec } from './lambda/function-spec.ts';
import type { NotificationRule } from './notifications/notification-rules.ts';

/** One pipeline as the runtime sees it: where uploads go in, and where results come out. */
export interface PipelineRoute {
  readonly id: string;
  readonly functionName: string;
  readonly ingestBucket: string;
  readonly ingestPrefix: string;
  readonly resultsBucket: string;
  readonly outputPrefix: string;
  /** The work queue between the bucket and the function, when there is one. */
  readonly queueName?: string;
}

/**
 * Pipelines are found from the assembly, not hard-coded: a function carrying PIPELINE_ID and its
 * results layout in its environment, the queue its event source mapping polls, and the bucket
 * notification that feeds that queue (or the function directly).
 */
export function discoverPipelines(
  functions: readonly FunctionSpec[],
  queuesByFunction: ReadonlyMap<string, readonly string[]>,
  rules: readonly NotificationRule[],
): PipelineRoute[] {
  const routes: PipelineRoute[] = [];
  for (const fn of functions) {
    const env = fn.environment;
    const id = env[EnvName.PIPELINE_ID];
    const resultsBucket = env[EnvName.RESULTS_BUCKET];
    const outputPrefix = env[EnvName.OUTPUT_PREFIX];
    if (!id || !resultsBucket || outputPrefix === undefined) continue;
    const queues = queuesByFunction.get(fn.name) ?? [];
    for (const rule of rules) {
      const viaQueue = rule.target.kind === 'queue' && queues.includes(rule.target.queueName);
      const direct = rule.target.kind === 'function' && rule.target.functionName === fn.name;
      if (!viaQueue && !direct) continue;
      routes.push({
        id,
        functionName: fn.name,
        ingestBucket: rule.bucket,
        ingestPrefix: env[EnvName.INGEST_PREFIX] ?? rule.prefix,
        resultsBucket,
        outputPrefix,
        ...(rule.target.kind === 'queue' ? { queueName: rule.target.queueName } : {}),
      });
    }
  }
  return routes;
}
