/** The parts of a CloudFormation template the local runtime reads. */
export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Condition?: string;
  readonly DependsOn?: string | string[];
  readonly Metadata?: Record<string, unknown>;
}

export interface CfnParameter {
  readonly Type: string;
  readonly Default?: unknown;
}

export interface CfnOutput {
  readonly Value: unknown;
  readonly Export?: { readonly Name: unknown };
  readonly Condition?: string;
}

export interface CfnTemplate {
  readonly Resources?: Record<string, CfnResource>;
  readonly Parameters?: Record<string, CfnParameter>;
  readonly Outputs?: Record<string, CfnOutput>;
  readonly Conditions?: Record<string, unknown>;
  readonly Mappings?: Record<string, Record<string, Record<string, unknown>>>;
}

/** One stack of a cloud assembly, with its file assets mapped to folders on disk. */
export interface StackModel {
  readonly artifactId: string;
  readonly stackName: string;
  readonly template: CfnTemplate;
  /** Asset object key in the bootstrap bucket (e.g. `<hash>.zip`) → absolute path of its source folder or file. */
  readonly assetPaths: ReadonlyMap<string, string>;
}

export interface AssemblyModel {
  readonly directory: string;
  readonly stacks: readonly StackModel[];
}
