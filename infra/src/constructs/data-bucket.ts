import { Duration, RemovalPolicy, Stack } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as s3 from "aws-cdk-lib/aws-s3";
import type { Construct } from "constructs";
import { acknowledge } from "../nag.js";

export interface DataBucketProps {
  /** Expire current objects after this many days (raw landing zones); unset keeps them. */
  expireAfterDays?: number;
  /** Move objects to Standard-IA after this many days (rarely read raw data). */
  infrequentAccessAfterDays?: number;
}

/**
 * A bucket for pipeline data: SSE-S3 encryption, every public access blocked, TLS enforced by
 * policy, versioning on (a bad run can be rolled back; old versions expire after 30 days),
 * retained when the stack is deleted.
 */
export function dataBucket(scope: Construct, id: string, props: DataBucketProps = {}): s3.Bucket {
  const bucket = new s3.Bucket(scope, id, {
    encryption: s3.BucketEncryption.S3_MANAGED,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    versioned: true,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    removalPolicy: RemovalPolicy.RETAIN,
    lifecycleRules: [
      { id: "old-versions", noncurrentVersionExpiration: Duration.days(30) },
      { id: "abandoned-uploads", abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ...(props.expireAfterDays ? [{ id: "expire", expiration: Duration.days(props.expireAfterDays) }] : []),
      ...(props.infrequentAccessAfterDays
        ? [
            {
              id: "infrequent-access",
              transitions: [
                {
                  storageClass: s3.StorageClass.INFREQUENT_ACCESS,
                  transitionAfter: Duration.days(props.infrequentAccessAfterDays),
                },
              ],
            },
          ]
        : []),
    ],
  });
  acknowledge(bucket, [
    {
      id: "AwsSolutions-S1",
      reason:
        "Server access logs would need a second bucket per data bucket; reads and writes come only from this stack's roles, and CloudTrail data events can be enabled account-wide where an audit trail is required.",
    },
  ]);
  return bucket;
}

/**
 * Grants `role` exactly `objectActions` on the objects under `prefix`, and `s3:ListBucket`
 * restricted to that prefix (the SDK's HeadBucket and listings). No `s3:*`-style wildcards.
 */
export function grantPrefix(
  bucket: s3.IBucket,
  role: iam.IRole,
  prefix: string,
  objectActions: string[],
): void {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ["s3:ListBucket"],
      resources: [bucket.bucketArn],
      conditions: { StringLike: { "s3:prefix": [`${prefix}*`, prefix] } },
    }),
  );
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: objectActions, resources: [bucket.arnForObjects(`${prefix}*`)] }),
  );
  const bucketLogicalId = Stack.of(bucket).getLogicalId(bucket.node.defaultChild as s3.CfnBucket);
  acknowledge(role, [
    {
      id: `AwsSolutions-IAM5[Resource::<${bucketLogicalId}.Arn>/${prefix}*]`,
      reason:
        "Object access is scoped to this pipeline's key prefix; the keys under it are named by stream and date at run time.",
    },
  ]);
}
