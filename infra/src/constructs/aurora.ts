import { Duration, RemovalPolicy } from "aws-cdk-lib";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as logs from "aws-cdk-lib/aws-logs";
import * as rds from "aws-cdk-lib/aws-rds";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import type { Construct } from "constructs";
import { acknowledge } from "../nag.js";

/** Aurora MySQL: created here (Serverless v2 in isolated subnets) or an existing cluster by endpoint + secret. */
export type AuroraTarget =
  | { mode: "create"; databaseName: string; maxCapacity?: number }
  | {
      mode: "import";
      /** Writer endpoint host name. */
      endpoint: string;
      /** Secret with JSON keys `username` and `password` (the RDS-managed master secret has that shape). */
      secretArn: string;
      databaseName: string;
      /** The cluster's security group: the load task is admitted on 3306. */
      securityGroupId?: string;
    };

export interface AuroraConnection {
  host: string;
  port: string;
  databaseName: string;
  secret: secretsmanager.ISecret;
  /** Admits a client security group on the MySQL port (no-op for an import without a security group). */
  allowFrom(peer: ec2.ISecurityGroup): void;
}

export function auroraConnection(scope: Construct, vpc: ec2.IVpc, target: AuroraTarget): AuroraConnection {
  if (target.mode === "import") {
    const secret = secretsmanager.Secret.fromSecretCompleteArn(scope, "DbSecret", target.secretArn);
    const sg = target.securityGroupId
      ? ec2.SecurityGroup.fromSecurityGroupId(scope, "DbSecurityGroup", target.securityGroupId)
      : undefined;
    return {
      host: target.endpoint,
      port: "3306",
      databaseName: target.databaseName,
      secret,
      allowFrom: (peer) => sg?.addIngressRule(peer, ec2.Port.tcp(3306), "sluice load task"),
    };
  }
  const cluster = createCluster(scope, vpc, target);
  return {
    host: cluster.clusterEndpoint.hostname,
    port: cluster.clusterEndpoint.port.toString(),
    databaseName: target.databaseName,
    secret: cluster.secret!,
    allowFrom: (peer) => cluster.connections.allowFrom(peer, ec2.Port.tcp(3306), "sluice load task"),
  };
}

function createCluster(
  scope: Construct,
  vpc: ec2.IVpc,
  target: { databaseName: string; maxCapacity?: number },
): rds.DatabaseCluster {
  const clusterIdentifier = "sluice-intercom";
  // the log groups RDS exports to, created here with a retention (instead of a retention Lambda)
  const logGroups = ["error", "slowquery"].map(
    (kind) =>
      new logs.LogGroup(scope, `AuroraLogs-${kind}`, {
        logGroupName: `/aws/rds/cluster/${clusterIdentifier}/${kind}`,
        retention: logs.RetentionDays.ONE_MONTH,
        removalPolicy: RemovalPolicy.RETAIN,
      }),
  );
  const cluster = new rds.DatabaseCluster(scope, "Aurora", {
    clusterIdentifier,
    engine: rds.DatabaseClusterEngine.auroraMysql({ version: rds.AuroraMysqlEngineVersion.VER_3_08_0 }),
    writer: rds.ClusterInstance.serverlessV2("writer"),
    // 0 ACU: the cluster pauses after 5 idle minutes and costs storage only between nightly runs
    serverlessV2MinCapacity: 0,
    serverlessV2MaxCapacity: target.maxCapacity ?? 2,
    vpc,
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    credentials: rds.Credentials.fromGeneratedSecret("sluice", { secretName: "sluice/aurora" }),
    defaultDatabaseName: target.databaseName,
    storageEncrypted: true,
    deletionProtection: true,
    removalPolicy: RemovalPolicy.SNAPSHOT,
    backup: { retention: Duration.days(7) },
    cloudwatchLogsExports: ["error", "slowquery"],
  });
  for (const g of logGroups) cluster.node.addDependency(g);
  acknowledge(cluster, [
    {
      id: "AwsSolutions-SMG4",
      reason:
        "The load task reads the password from the secret at each task start, so rotation is safe; enable it with cluster.addRotationSingleUser() where policy requires (it adds a rotation Lambda).",
    },
    {
      id: "AwsSolutions-RDS6",
      reason:
        "The load task authenticates with the generated password from Secrets Manager (mysql2 + TypeORM); IAM auth tokens expire after 15 min, longer than a big load.",
    },
    {
      id: "AwsSolutions-RDS11",
      reason:
        "Isolated subnets and a security group admitting only the load task; a non-default port adds nothing.",
    },
    {
      id: "AwsSolutions-RDS14",
      reason: "Backtrack is not available for Aurora Serverless v2; 7-day point-in-time backups instead.",
    },
  ]);
  return cluster;
}
