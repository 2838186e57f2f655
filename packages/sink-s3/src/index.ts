export { bucketNameProblems } from "./naming-rules.js";
export type { S3SinkOptions } from "./options.js";
export { s3Sink } from "./sink.js";
export { type S3StateStoreOptions, s3StateStore } from "./state-store.js";
export {
  payloadKey,
  validateWriteToS3Config,
  type WriteToS3Config,
  type WriteToS3Options,
  type WriteToS3Result,
  writeToS3,
} from "./write-to-s3.js";
