export { type S3SourceOptions, type S3StreamConfig, s3Source } from "./source.js";
