// HTTP client and rate governor shared by HTTP sources (Intercom first).
export {
  type ApiErrorInfo,
  createHttpClient,
  type FetchLike,
  type HttpClient,
  type HttpClientOptions,
  type HttpRequest,
  type HttpResponse,
  parseApiError,
  type QueryValue,
} from "./http-client.js";
export {
  type AcquireResult,
  createRateGovernor,
  type GovernorSnapshot,
  type HeadersLike,
  type RateGovernor,
  type RateGovernorOptions,
  type RateLimitHeaders,
  retryAfterMs,
} from "./rate-governor.js";
