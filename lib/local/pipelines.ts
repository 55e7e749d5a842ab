import { EnvName } from '../../functions/shared/env-names.ts';
import { parsePipelineContract, type PipelineContract } from '../../functions/shared/pipeline-contract.ts';
import { LocalErrorCode, LocalRuntimeError } from './errors.ts';
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
  /** The pipeline's own declaration of its layout and codes: the runtime derives nothing else. */
  readonly contract: PipelineContract;
  /** The work queue between the bucket and the function, when there is one. */
  readonly queueName?: string;
}

/**
 * Pipelines are found from the assembly, not hard-coded: a function carrying a pipeline contract
 * (PIPELINE_CONTRACT) and its results bucket in its environment, the queue its event source
 * mapping polls, and the bucket notification that feeds that queue (or the function directly).
 * A contract that does not validate fails start, naming the function.
 */
export function discoverPipelines(
  functions: readonly FunctionSpec[],
  queuesByFunction: ReadonlyMap<string, readonly string[]>,
  rules: readonly NotificationRule[],
): PipelineRoute[] {
  const routes: PipelineRoute[] = [];
  for (const fn of functions) {
    const env = fn.environment;
    const json = env[EnvName.PIPELINE_CONTRACT];
    const resultsBucket = env[EnvName.RESULTS_BUCKET];
    if (json === undefined || !resultsBucket) continue;
    let contract: PipelineContract;
    try {
      contract = parsePipelineContract(json, `${EnvName.PIPELINE_CONTRACT} of ${fn.logicalId}`);
    } catch (error) {
      throw new LocalRuntimeError(LocalErrorCode.ASSEMBLY_INVALID, (error as Error).message, { function: fn.name });
    }
    const queues = queuesByFunction.get(fn.name) ?? [];
    for (const rule of rules) {
      const viaQueue = rule.target.kind === 'queue' && queues.includes(rule.target.queueName);
      const direct = rule.target.kind === 'function' && rule.target.functionName === fn.name;
      if (!viaQueue && !direct) continue;
      routes.push({
        id: contract.id,
        functionName: fn.name,
        ingestBucket: rule.bucket,
        ingestPrefix: contract.ingestPrefix,
        resultsBucket,
        outputPrefix: contract.outputPrefix,
        contract,
        ...(rule.target.kind === 'queue' ? { queueName: rule.target.queueName } : {}),
      });
    }
  }
  return routes;
}
