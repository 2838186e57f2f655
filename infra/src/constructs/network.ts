import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as logs from "aws-cdk-lib/aws-logs";
import type { Construct } from "constructs";

/** Where the tasks run: private subnets behind NAT when `natGateways > 0`, else public subnets with a public IP (no NAT cost). */
export interface TaskNetwork {
  vpc: ec2.Vpc;
  taskSubnets: ec2.SubnetSelection;
  assignPublicIp: boolean;
}

/**
 * A two-AZ VPC: public subnets, private subnets with egress (only when NAT gateways are
 * wanted), isolated subnets for databases and brokers, an S3 gateway endpoint (free, keeps
 * S3 traffic off the NAT) and flow logs (rejected traffic) with a retention.
 */
export function taskNetwork(scope: Construct, natGateways: number): TaskNetwork {
  const subnetConfiguration: ec2.SubnetConfiguration[] = [
    { name: "public", subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
    { name: "isolated", subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
  ];
  if (natGateways > 0) {
    subnetConfiguration.push({
      name: "private",
      subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS,
      cidrMask: 22,
    });
  }
  const vpc = new ec2.Vpc(scope, "Vpc", {
    maxAzs: 2,
    natGateways,
    subnetConfiguration,
    gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } },
    flowLogs: {
      rejected: {
        trafficType: ec2.FlowLogTrafficType.REJECT,
        destination: ec2.FlowLogDestination.toCloudWatchLogs(
          new logs.LogGroup(scope, "FlowLogs", { retention: logs.RetentionDays.ONE_MONTH }),
        ),
      },
    },
  });
  const usePrivate = natGateways > 0;
  return {
    vpc,
    taskSubnets: { subnetType: usePrivate ? ec2.SubnetType.PRIVATE_WITH_EGRESS : ec2.SubnetType.PUBLIC },
    assignPublicIp: !usePrivate,
  };
}
