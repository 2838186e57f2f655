export { type ClientOptions, clientExclusivity, clientOptionFields, resolveClient } from "./client.js";
export { isNotFound, type S3Side, s3Code, s3Status, toS3Error } from "./s3-errors.js";
