import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { z } from 'zod';

/** Config `network`: VPC placement of every function (SKELETON: the network helper fills this in). */
export const networkConfigSchema = z.strictObject({
  create: z.boolean().optional(),
});
export type NetworkConfig = z.infer<typeof networkConfigSchema>;

/** Where one function runs: the props NodejsFunction takes. */
export interface FunctionPlacement {
  readonly vpc: ec2.IVpc;
  readonly vpcSubnets: ec2.SubnetSelection;
  readonly securityGroups: ec2.ISecurityGroup[];
}

export interface KitNetworkProps {
  readonly config: NetworkConfig;
}

export class KitNetwork extends Construct {
  constructor(scope: Construct, id: string, props: KitNetworkProps) {
    super(scope, id);
    void props;
    throw new Error('KitNetwork: not built yet');
  }

  /** The placement of a function, by its owner (a pipeline id or a kit service name). */
  placementFor(owner: string): FunctionPlacement {
    throw new Error(`KitNetwork: not built yet (${owner})`);
  }

  /** What a function in the VPC needs to manage its network interfaces. */
  grantNetworkInterfaces(role: iam.IRole): void {
    void role;
  }
}
