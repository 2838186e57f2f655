/**
 * S3 bucket naming rules (general purpose buckets):
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
 * Returns every rule the name breaks (empty when valid).
 */
export function bucketNameProblems(name: string): string[] {
  const problems: string[] = [];
  if (name.length < 3 || name.length > 63) problems.push("must be 3-63 characters long");
  if (/[^a-z0-9.-]/.test(name)) {
    problems.push("may contain only lowercase letters, digits, dots and hyphens");
  }
  if (name.length > 0 && !/^[a-z0-9].*[a-z0-9]$|^[a-z0-9]$/.test(name)) {
    problems.push("must begin and end with a lowercase letter or digit");
  }
  if (name.includes("..")) problems.push('must not contain two adjacent dots ("..")');
  if (name.includes(".-") || name.includes("-.")) problems.push('must not contain ".-" or "-."');
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) problems.push("must not be formatted as an IP address");
  for (const prefix of ["xn--", "sthree-", "amzn-s3-demo-"]) {
    if (name.startsWith(prefix)) problems.push(`must not start with "${prefix}"`);
  }
  for (const suffix of ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"]) {
    if (name.endsWith(suffix)) problems.push(`must not end with "${suffix}"`);
  }
  return problems;
}

/** AWS region codes: us-east-1, eu-west-2, ap-southeast-2, cn-north-1, us-gov-west-1, us-iso-east-1. */
export const REGION_PATTERN = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$/;
