/** BigQuery's REST error envelope (`{error:{code,message,status,errors:[{domain,reason,message}]}}`). */

export interface ErrorProto {
  reason: string;
  message: string;
  location?: string;
}

const STATUS_BY_CODE: Record<number, string> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  409: "ALREADY_EXISTS",
  410: "GONE",
  500: "INTERNAL",
  503: "UNAVAILABLE",
};

/** An error answered as BigQuery answers it: HTTP status + envelope with one reason. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }

  body(): Record<string, unknown> {
    return {
      error: {
        code: this.code,
        message: this.message,
        status: STATUS_BY_CODE[this.code] ?? "UNKNOWN",
        errors: [{ domain: "global", reason: this.reason, message: this.message }],
      },
    };
  }
}

export const notFound = (what: string): ApiError => new ApiError(404, "notFound", `Not found: ${what}`);
export const invalid = (message: string): ApiError => new ApiError(400, "invalid", message);
export const duplicate = (what: string): ApiError =>
  new ApiError(409, "duplicate", `Already Exists: ${what}`);
