// In-memory source and sink with fault injection, and the sink conformance suite.
export {};
