import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { localCredentials } from '../emulators/loopback.ts';
import { LocalErrorCode, LocalRuntimeError } from '../errors.ts';
import { TASK_API_URL_OUTPUT } from '../tasks/task-table-reader.ts';
import { readDevState } from './dev-state.ts';
import type { TaskApiTarget } from './task-api-client.ts';


/**
 * Where `tasks` and `cost` send their requests: the running dev runtime by default, or a deployed
 * stack's API (its URL from the stack outputs, signed with the caller's AWS credentials).
 */
export async function resolveTaskApi(options: { readonly stack?: string }): Promise<TaskApiTarget> {
  if (options.stack) return deployedTaskApi(options.stack);
  const state = readDevState();
  if (!state.taskApiUrl) {
    throw new LocalRuntimeError(LocalErrorCode.NOT_RUNNING, `The dev runtime (preset ${state.preset}) has no task API: its config turns tasks off`);
  }
  return { url: state.taskApiUrl, region: state.region, credentials: localCredentials() };
}

async function deployedTaskApi(stackName: string): Promise<TaskApiTarget> {
  const credentials = fromNodeProviderChain();
  const client = new CloudFormationClient({ credentials });
  try {
    const response = await client.send(new DescribeStacksCommand({ StackName: stackName }));
    const output = response.Stacks?.[0]?.Outputs?.find((o) => o.OutputKey === TASK_API_URL_OUTPUT)?.OutputValue;
    if (!output) throw new LocalRuntimeError(LocalErrorCode.USAGE, `Stack ${stackName} has no ${TASK_API_URL_OUTPUT} output: was it deployed with tasks enabled?`);
    return { url: output, region: await client.config.region(), credentials };
  } catch (error) {
    if (error instanceof LocalRuntimeError) throw error;
    throw new LocalRuntimeError(LocalErrorCode.USAGE, `Could not read stack ${stackName}: ${(error as Error).message}`, {}, { cause: error });
  } finally {
    client.destroy();
  }
}
