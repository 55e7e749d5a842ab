import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { z } from 'zod';
import type { KitEncryption } from './kit-encryption.ts';
import { acknowledge, acknowledgeInPacks } from './nag.ts';
import { ManagedPrefixLists } from './network-prefix-lists.ts';

/**
 * Every function owner of the kit (KitFunction's `serviceName`): the four pipelines and the
 * services beside them. `network.internetAccess` names owners from this list.
 */
export const NETWORK_OWNERS = ['image', 'video', 'settlement', 'inference', 'leaderboard', 'inference-index', 'task-api', 'task-recorder'] as const;
export type NetworkOwner = (typeof NETWORK_OWNERS)[number];

const id = (prefix: string) => z.string().regex(new RegExp(`^${prefix}-[0-9a-f]{8,17}$`), `an id like ${prefix}-0123456789abcdef0`);
const availabilityZone = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d[a-z]$/, 'an availability zone name like us-east-1a');

/**
 * Config `network`: every function runs in private subnets and reaches AWS through VPC endpoints,
 * so no NAT gateway is needed. Either `create: true` (a new VPC) or an existing VPC described
 * fully by ids (`vpcId`, `availabilityZones`, `subnetIds`, `routeTableIds`), so synth never does a
 * context lookup and works offline.
 */
export const networkConfigSchema = z
  .strictObject({
    /** A new VPC with isolated private subnets only (no NAT, no internet gateway). */
    create: z.boolean().optional(),
    /** AZs of a created VPC. @default 2 */
    maxAzs: z.number().int().min(1).max(6).optional(),
    /** An existing VPC. */
    vpcId: id('vpc').optional(),
    /** The AZs of `subnetIds`, in the same order. */
    availabilityZones: z.array(availabilityZone).min(1).optional(),
    /** The private subnets the functions and interface endpoints use, one per AZ. */
    subnetIds: z.array(id('subnet')).min(1).optional(),
    /** The route table of each subnet, in the same order (the S3 and DynamoDB gateway endpoints add routes to them). */
    routeTableIds: z.array(id('rtb')).min(1).optional(),
    /** Existing security groups for the functions instead of one the kit creates; they must allow 443 to your endpoints. @default the kit's */
    securityGroupIds: z.array(id('sg')).min(1).optional(),
    /** Create the gateway and interface endpoints (false when the VPC already has them). @default true */
    endpoints: z.boolean().default(true),
    /**
     * Owners whose functions may reach the internet (HTTPS), the explicit opt-in: they get their
     * own security group and, in a created VPC, subnets behind one NAT gateway. @default []
     */
    internetAccess: z
      .array(z.enum(NETWORK_OWNERS, { error: `one of ${NETWORK_OWNERS.join(', ')}` }))
      .default([])
      .refine((owners) => new Set(owners).size === owners.length, 'lists an owner twice'),
  })
  .superRefine((config, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (config.create === true && config.vpcId !== undefined) {
      issue('vpcId', 'set either create: true (a new VPC) or vpcId (an existing one), not both');
      return;
    }
    if (config.create === true) {
      for (const field of ['availabilityZones', 'subnetIds', 'routeTableIds', 'securityGroupIds'] as const) {
        if (config[field] !== undefined) issue(field, 'describes an existing VPC (vpcId); a created VPC makes its own');
      }
      if (!config.endpoints) issue('endpoints', 'a created VPC has no other way to reach AWS: its endpoints cannot be turned off');
      return;
    }
    if (config.vpcId === undefined) {
      issue('create', 'set create: true for a new VPC, or vpcId with availabilityZones, subnetIds and routeTableIds for an existing one');
      return;
    }
    if (config.maxAzs !== undefined) issue('maxAzs', 'applies to a created VPC; an existing VPC uses availabilityZones');
    const missing = (['availabilityZones', 'subnetIds', 'routeTableIds'] as const).filter((field) => config[field] === undefined);
    for (const field of missing) issue(field, `required with vpcId (synth never looks the VPC up, so it must be described)`);
    if (missing.length > 0) return;
    const subnets = config.subnetIds!.length;
    if (config.availabilityZones!.length !== subnets) issue('availabilityZones', `one per subnet: ${config.availabilityZones!.length} given for ${subnets} subnetIds`);
    if (new Set(config.availabilityZones).size !== config.availabilityZones!.length) issue('availabilityZones', 'one subnet per AZ: an AZ is listed twice');
    if (config.routeTableIds!.length !== subnets) issue('routeTableIds', `one per subnet (repeat an id for subnets sharing a table): ${config.routeTableIds!.length} given for ${subnets} subnetIds`);
    if (!config.endpoints && config.securityGroupIds === undefined) {
      issue('securityGroupIds', "required with endpoints: false: the kit cannot know the addresses of your VPC's endpoints, so give security groups that reach them");
    }
  });
export type NetworkConfig = z.infer<typeof networkConfigSchema>;

/** Where one function runs: the props NodejsFunction takes. */
export interface FunctionPlacement {
  readonly vpc: ec2.IVpc;
  readonly vpcSubnets: ec2.SubnetSelection;
  readonly securityGroups: ec2.ISecurityGroup[];
}

export interface KitNetworkProps {
  /** A validated `network` config. */
  readonly config: NetworkConfig;
  /** Encrypts the flow-log group. @default AWS-managed encryption */
  readonly encryption?: KitEncryption;
  /** Retention of the flow-log group. @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** Add a Rekognition interface endpoint (video moderation by Rekognition). @default false */
  readonly rekognition?: boolean;
}

type InterfaceEndpointName = 'sqs' | 'events' | 'logs' | 'xray' | 'rekognition';

/**
 * The VPC the kit's functions run in: private subnets, gateway endpoints for S3 and DynamoDB,
 * interface endpoints for SQS, EventBridge, CloudWatch Logs, X-Ray (and Rekognition), and a
 * security group that lets the functions open HTTPS to those endpoints and nothing else. An owner
 * in `internetAccess` also gets a security group with HTTPS to anywhere and, in a created VPC,
 * subnets routed through one NAT gateway.
 */
export class KitNetwork extends Construct {
  public readonly vpc: ec2.IVpc;
  /** The functions' security group(s): HTTPS to the endpoints only (existing groups when `securityGroupIds` is set). */
  public readonly functionSecurityGroups: readonly ec2.ISecurityGroup[];
  /** The security group the kit created for the functions; undefined with `securityGroupIds`. */
  public readonly functionSecurityGroup?: ec2.SecurityGroup;
  /** Added to the functions of `internetAccess` owners: HTTPS to anywhere. */
  public readonly internetSecurityGroup?: ec2.SecurityGroup;
  /** The interface endpoints' security group: HTTPS in from the functions only. Undefined with `endpoints: false`. */
  public readonly endpointSecurityGroup?: ec2.SecurityGroup;
  /** S3 and DynamoDB gateway endpoints; empty with `endpoints: false`. */
  public readonly gatewayEndpoints: Readonly<Partial<Record<'s3' | 'dynamodb', ec2.GatewayVpcEndpoint>>> = {};
  /** Interface endpoints by service; empty with `endpoints: false`. */
  public readonly interfaceEndpoints: Readonly<Partial<Record<InterfaceEndpointName, ec2.InterfaceVpcEndpoint>>> = {};
  /** The flow-log group of a created VPC. */
  public readonly flowLogGroup?: logs.LogGroup;

  private readonly internetOwners: ReadonlySet<string>;
  private readonly placedOwners = new Set<string>();
  private readonly privateSubnets: ec2.SubnetSelection;
  private readonly egressSubnets: ec2.SubnetSelection;

  constructor(scope: Construct, id: string, props: KitNetworkProps) {
    super(scope, id);
    // Validated again here: a construct user may pass a hand-written config.
    const parsed = networkConfigSchema.safeParse(props.config);
    if (!parsed.success) {
      throw new Error(`KitNetwork: invalid network config: ${parsed.error.issues.map((i) => `network.${i.path.join('.')}: ${i.message}`).join('; ')}`);
    }
    const config = parsed.data;
    this.internetOwners = new Set(config.internetAccess);
    // An opt-in nobody uses would still pay for a NAT gateway and leave a rule nobody reviews.
    this.node.addValidation({
      validate: () =>
        [...this.internetOwners]
          .filter((owner) => !this.placedOwners.has(owner))
          .map((owner) => `network.internetAccess: '${owner}' has no function in this stack (its functions: ${[...this.placedOwners].join(', ') || 'none'})`),
    });

    if (config.create) {
      const vpc = this.createVpc(config.maxAzs ?? 2, this.internetOwners.size > 0);
      this.vpc = vpc;
      this.privateSubnets = { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };
      this.egressSubnets = this.internetOwners.size > 0 ? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS } : this.privateSubnets;
      this.flowLogGroup = this.addFlowLogs(vpc, props);
    } else {
      const imported = this.importVpc(config);
      this.vpc = imported.vpc;
      // An existing VPC's subnets are used as given: for internetAccess owners they must route to a NAT.
      this.privateSubnets = { subnets: imported.subnets };
      this.egressSubnets = this.privateSubnets;
    }

    if (config.securityGroupIds) {
      // Existing groups are used, never modified (mutable: false): their owner governs their rules.
      this.functionSecurityGroups = config.securityGroupIds.map((sg, i) => ec2.SecurityGroup.fromSecurityGroupId(this, `FunctionSecurityGroup${i}`, sg, { mutable: false }));
    } else {
      this.functionSecurityGroup = new ec2.SecurityGroup(this, 'FunctionSecurityGroup', {
        vpc: this.vpc,
        description: 'serverless-media-kit functions: HTTPS to the VPC endpoints only',
        allowAllOutbound: false,
      });
      this.functionSecurityGroups = [this.functionSecurityGroup];
    }

    if (this.internetOwners.size > 0) {
      this.internetSecurityGroup = new ec2.SecurityGroup(this, 'InternetSecurityGroup', {
        vpc: this.vpc,
        // A fixed description: changing it would replace the group under running functions.
        description: 'serverless-media-kit functions opted into the internet (network.internetAccess): HTTPS anywhere',
        allowAllOutbound: false,
      });
      this.internetSecurityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to the internet (network.internetAccess)');
    }

    if (config.endpoints) {
      this.endpointSecurityGroup = new ec2.SecurityGroup(this, 'EndpointSecurityGroup', {
        vpc: this.vpc,
        description: 'serverless-media-kit interface endpoints: HTTPS from the kit functions only',
        allowAllOutbound: false,
      });
      this.addEndpoints(props);
    }
  }

  /** The placement of a function, by its owner (a pipeline id or a kit service name). */
  placementFor(owner: string): FunctionPlacement {
    const internet = this.internetOwners.has(owner);
    this.placedOwners.add(owner);
    return {
      vpc: this.vpc,
      vpcSubnets: internet ? this.egressSubnets : this.privateSubnets,
      securityGroups: [...this.functionSecurityGroups, ...(internet && this.internetSecurityGroup ? [this.internetSecurityGroup] : [])],
    };
  }

  /**
   * What a function in the VPC needs to manage its network interfaces: the EC2 actions of
   * AWSLambdaVPCAccessExecutionRole, as an inline statement scoped to this network's subnets and
   * security groups where IAM allows.
   */
  grantNetworkInterfaces(role: iam.IRole): void {
    const stack = Stack.of(this);
    const ec2Arn = (resource: string, resourceName: string) => stack.formatArn({ service: 'ec2', resource, resourceName });
    const networkInterfaces = ec2Arn('network-interface', '*');
    const subnets = [...this.vpc.selectSubnets(this.privateSubnets).subnetIds];
    if (this.egressSubnets !== this.privateSubnets) subnets.push(...this.vpc.selectSubnets(this.egressSubnets).subnetIds);
    const securityGroups = [...this.functionSecurityGroups, ...(this.internetSecurityGroup ? [this.internetSecurityGroup] : [])];
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ec2:CreateNetworkInterface'],
        resources: [networkInterfaces, ...subnets.map((s) => ec2Arn('subnet', s)), ...securityGroups.map((sg) => ec2Arn('security-group', sg.securityGroupId))],
      }),
    );
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'], resources: [networkInterfaces] }));
    // The Lambda developer guide: without a unique resource id, DeleteNetworkInterface must cover
    // every resource id of the account and region (`…:*/*`), or the function may lose VPC access.
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['ec2:DeleteNetworkInterface'], resources: [ec2Arn('*', '*')] }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets'], resources: ['*'] }));
    acknowledge(
      role,
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:network-interface/*]`,
      "Lambda creates and re-addresses the function's network interfaces (hyperplane ENIs), whose ids exist only at run time; scoped to this account and region, and creation to the kit's subnets and security groups",
    );
    acknowledge(
      role,
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:*/*]`,
      "ec2:DeleteNetworkInterface only: the Lambda developer guide requires it on all resource ids of the account and region for Lambda to remove the function's run-time network interfaces",
    );
    acknowledge(
      role,
      'AwsSolutions-IAM5[Resource::*]',
      'ec2:DescribeNetworkInterfaces/DescribeSubnets (Lambda VPC access) and X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions; the rest of this role is scoped to named resources and prefixes',
    );
  }

  private createVpc(maxAzs: number, internet: boolean): ec2.Vpc {
    const isolated: ec2.SubnetConfiguration = { name: 'Private', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 22 };
    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs,
      ipAddresses: ec2.IpAddresses.cidr('10.0.0.0/16'),
      // Nobody opted in: no route out of the VPC exists at all, so no NAT and no internet gateway.
      natGateways: internet ? 1 : 0,
      subnetConfiguration: internet
        ? [
            // Hosts only the NAT gateway (an Elastic IP of its own): nothing launched there gets a public address.
            { name: 'Public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 26, mapPublicIpOnLaunch: false },
            { name: 'Egress', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
            isolated,
          ]
        : [isolated],
      // Removes the default security group's rules (a CDK custom resource at deploy time).
      restrictDefaultSecurityGroup: true,
    });
    if (internet) {
      for (const subnet of vpc.publicSubnets) {
        acknowledgeInPacks(
          subnet,
          'VPCNoUnrestrictedRouteToIGW',
          ['nist', 'hipaa'],
          'The public subnets exist only for the NAT gateway that network.internetAccess opts functions into; no function or instance runs in them',
        );
      }
    }
    return vpc;
  }

  /** VPC flow logs (all traffic) to a CloudWatch log group with the kit's retention and key. */
  private addFlowLogs(vpc: ec2.Vpc, props: KitNetworkProps): logs.LogGroup {
    const group = new logs.LogGroup(this, 'FlowLogs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      // The network's audit trail outlives the stack; retention expires it.
      removalPolicy: RemovalPolicy.RETAIN,
      ...(props.encryption ? { encryptionKey: props.encryption.key } : {}),
    });
    const flowLog = vpc.addFlowLog('FlowLog', { destination: ec2.FlowLogDestination.toCloudWatchLogs(group), trafficType: ec2.FlowLogTrafficType.ALL });
    acknowledgeInPacks(
      flowLog,
      'IAMNoInlinePolicy',
      ['nist', 'hipaa'],
      "aws-cdk-lib's flow log writes through a role of its own whose inline policy allows writing to this flow-log group only (and passing that role)",
    );
    return group;
  }

  private importVpc(config: NetworkConfig): { vpc: ec2.IVpc; subnets: ec2.ISubnet[] } {
    const subnetIds = config.subnetIds!;
    const vpc = ec2.Vpc.fromVpcAttributes(this, 'Vpc', {
      vpcId: config.vpcId!,
      availabilityZones: config.availabilityZones!,
      privateSubnetIds: subnetIds,
      privateSubnetRouteTableIds: config.routeTableIds!,
    });
    const subnets = subnetIds.map((subnetId, i) =>
      ec2.Subnet.fromSubnetAttributes(this, `Subnet${i}`, {
        subnetId,
        availabilityZone: config.availabilityZones![i]!,
        routeTableId: config.routeTableIds![i]!,
      }),
    );
    return { vpc, subnets };
  }

  private addEndpoints(props: KitNetworkProps): void {
    const rekognition = props.rekognition ?? false;
    const endpointSg = this.endpointSecurityGroup!;
    // Gateway endpoints route S3 and DynamoDB from every subnet a function may run in. Their
    // policies stay AWS's default (full access): only the kit's functions sit behind them and
    // their roles are scoped to named buckets, prefixes and tables; a policy listing the kit's
    // resources would also block buckets a user's pipeline legitimately reads (public model
    // buckets, other accounts' data) and presigned URLs, without narrowing anything the roles allow.
    const routed = this.egressSubnets === this.privateSubnets ? [this.privateSubnets] : [this.privateSubnets, this.egressSubnets];
    const gateway = this.gatewayEndpoints as Record<'s3' | 'dynamodb', ec2.GatewayVpcEndpoint>;
    gateway.s3 = new ec2.GatewayVpcEndpoint(this, 'S3Endpoint', { vpc: this.vpc, service: ec2.GatewayVpcEndpointAwsService.S3, subnets: routed });
    gateway.dynamodb = new ec2.GatewayVpcEndpoint(this, 'DynamoDbEndpoint', { vpc: this.vpc, service: ec2.GatewayVpcEndpointAwsService.DYNAMODB, subnets: routed });

    const services: (readonly [InterfaceEndpointName, ec2.InterfaceVpcEndpointAwsService])[] = [
      ['sqs', ec2.InterfaceVpcEndpointAwsService.SQS],
      ['events', ec2.InterfaceVpcEndpointAwsService.EVENTBRIDGE],
      ['logs', ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS],
      ['xray', ec2.InterfaceVpcEndpointAwsService.XRAY],
      ...(rekognition ? ([['rekognition', ec2.InterfaceVpcEndpointAwsService.REKOGNITION]] as const) : []),
    ];
    const iface = this.interfaceEndpoints as Record<InterfaceEndpointName, ec2.InterfaceVpcEndpoint>;
    for (const [name, service] of services) {
      iface[name] = new ec2.InterfaceVpcEndpoint(this, `${name[0]!.toUpperCase()}${name.slice(1)}Endpoint`, {
        vpc: this.vpc,
        service,
        subnets: this.privateSubnets,
        privateDnsEnabled: true,
        securityGroups: [endpointSg],
        // Not open to the whole VPC CIDR: only the functions' security groups below.
        open: false,
      });
    }

    for (const sg of this.functionSecurityGroups) {
      endpointSg.addIngressRule(sg, ec2.Port.tcp(443), 'HTTPS from the kit functions');
    }
    const functionSg = this.functionSecurityGroup;
    if (!functionSg) return;
    functionSg.addEgressRule(endpointSg, ec2.Port.tcp(443), 'HTTPS to the interface endpoints');
    // The gateway endpoints have no addresses in the VPC: their traffic is matched by the
    // services' AWS-managed prefix lists. A prefix-list id differs per region and CloudFormation
    // exposes none, so ManagedPrefixLists reads them at deploy time (synth stays offline). The
    // alternative, HTTPS to 0.0.0.0/0 trusting the route tables, would leave only routing
    // between the functions and the internet, and an existing VPC's subnets may route to a NAT.
    const prefixLists = new ManagedPrefixLists(this, 'PrefixLists', {
      names: { s3: ec2.GatewayVpcEndpointAwsService.S3.name, dynamodb: ec2.GatewayVpcEndpointAwsService.DYNAMODB.name },
      ...(props.logRetention ? { logRetention: props.logRetention } : {}),
      ...(props.encryption ? { encryption: props.encryption } : {}),
    });
    functionSg.addEgressRule(ec2.Peer.prefixList(prefixLists.idOf('s3')), ec2.Port.tcp(443), 'HTTPS to S3 through its gateway endpoint');
    functionSg.addEgressRule(ec2.Peer.prefixList(prefixLists.idOf('dynamodb')), ec2.Port.tcp(443), 'HTTPS to DynamoDB through its gateway endpoint');
  }
}
