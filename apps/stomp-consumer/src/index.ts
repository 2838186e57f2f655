export { type Attendance, attendanceSchema, attendanceTransform } from "./attendance.js";
export { prefetchFor, type RunConsumerOptions, runConsumer } from "./consumer.js";
export { cpfCheckDigits, cpfProblems } from "./cpf.js";
export { type ConsumerConfig, parseSinkUrl, readConsumerConfig, type SinkTarget } from "./env.js";
export { ATTENDANCE_JSON_SCHEMA, streamDescriptor } from "./layout.js";
export { parseSaoPauloDateTime } from "./sao-paulo-time.js";
export { buildSink, type SinkChoice } from "./sinks.js";
