import type { ResourceIndex } from './resource-index.ts';
import { supportLevel } from './support.ts';

export interface Inventory {
  /** Lambda functions that only serve custom resources at deploy time (never invoked locally). */
  readonly deployTimeFunctions: ReadonlySet<string>;
  /** `Type (LogicalId)` of every resource the runtime does not emulate and nothing local needs. */
  readonly unsupported: readonly string[];
  /** Count per type of resources that exist for AWS only (IAM, logs, alarms, policies…). */
  readonly notNeeded: ReadonlyMap<string, number>;
}

/** Sorts an assembly's resources into what runs locally, what is moot, and what is missing. */
export function takeInventory(index: ResourceIndex): Inventory {
  const deployTimeFunctions = new Set<string>();
  for (const stack of index.stacks) {
    for (const resource of Object.values(stack.template.Resources ?? {})) {
      const token = resource.Properties?.ServiceToken as { 'Fn::GetAtt'?: [string, string] } | undefined;
      const target = token?.['Fn::GetAtt']?.[0];
      if ((resource.Type.startsWith('Custom::') || resource.Type === 'AWS::CloudFormation::CustomResource') && target) {
        deployTimeFunctions.add(`${stack.stackName}/${target}`);
      }
    }
  }
  const unsupported: string[] = [];
  const notNeeded = new Map<string, number>();
  for (const stack of index.stacks) {
    for (const [logicalId, resource] of Object.entries(stack.template.Resources ?? {})) {
      const level = supportLevel(resource.Type);
      if (resource.Type === 'AWS::Lambda::Function' && deployTimeFunctions.has(`${stack.stackName}/${logicalId}`)) {
        notNeeded.set('deploy-time custom resource handler', (notNeeded.get('deploy-time custom resource handler') ?? 0) + 1);
      } else if (level === 'not-needed') {
        notNeeded.set(resource.Type, (notNeeded.get(resource.Type) ?? 0) + 1);
      } else if (level === 'unsupported') {
        unsupported.push(`${resource.Type} (${logicalId})`);
      }
    }
  }
  return { deployTimeFunctions, unsupported, notNeeded };
}
