#!/usr/bin/env node
import { runDemo } from "./demo.js";

const result = await runDemo({ count: 2000, invalidRatio: 0.02, stompUrl: "stomp://127.0.0.1:61613" });
process.exit(result.stored + result.deadLettered === result.produced ? 0 : 1);
