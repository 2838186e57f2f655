export { isRetryableMongoError } from "./errors.js";
export { type MongoSinkOptions, mongoSinkOptionsSchema } from "./options.js";
export { type MongoSink, mongoSink } from "./sink.js";
