// The one catalogue of error codes. Each code has an intent (Stalled: needs a human;
// Waiting: a dependency is not ready; Generic: may succeed on retry), an HTTP status and
// a CLI exit code. docs/errors.md lists them; a test keeps the two in step.

export type ErrorIntent = "Stalled" | "Waiting" | "Generic";

export const ERROR_CODES = {
  KF_ERR_CONFIG_INVALID: { intent: "Stalled", http: 422, exit: 1, summary: "a configuration file is invalid" },
  KF_ERR_NOT_FOUND: { intent: "Stalled", http: 404, exit: 3, summary: "the named host or object does not exist" },
  KF_ERR_NOT_READY: { intent: "Waiting", http: 503, exit: 4, summary: "the service is starting or lost a dependency" },
  KF_ERR_GIT: { intent: "Generic", http: 502, exit: 5, summary: "fetching the desired-state repository failed" },
  KF_ERR_NATS: { intent: "Generic", http: 503, exit: 6, summary: "the NATS server cannot be reached or refused an operation" },
  KF_ERR_RESOURCE: { intent: "Generic", http: 500, exit: 7, summary: "a resource failed to converge" },
  KF_ERR_UNSUPPORTED: { intent: "Stalled", http: 400, exit: 8, summary: "a resource kind or platform is not supported" },
  KF_ERR_USAGE: { intent: "Stalled", http: 400, exit: 2, summary: "the command line or request is malformed" },
  KF_ERR_UNAUTHORIZED: { intent: "Stalled", http: 401, exit: 9, summary: "the request has no valid credentials (API token, webhook signature)" },
  KF_ERR_FORBIDDEN: { intent: "Stalled", http: 403, exit: 10, summary: "the credentials are valid but not allowed to do this" },
  KF_ERR_RATE_LIMITED: { intent: "Generic", http: 429, exit: 11, summary: "too many requests from this client; retry after the window" },
  KF_ERR_CONFLICT: { intent: "Stalled", http: 409, exit: 12, summary: "the request conflicts with the current state" },
  KF_ERR_TOO_LARGE: { intent: "Stalled", http: 413, exit: 13, summary: "the request body is larger than the API accepts" },
  KF_ERR_MEDIA_TYPE: { intent: "Stalled", http: 415, exit: 14, summary: "the request body is not of a type the API accepts (writes: application/json)" },
  KF_ERR_MISDIRECTED: { intent: "Stalled", http: 421, exit: 15, summary: "the request's Host is not a name this API answers to" },
  KF_ERR_UNSAFE_PATH: { intent: "Stalled", http: 409, exit: 16, summary: "a managed path holds a symlink, or an object swapped in since it was observed; the agent refuses to act through it" },
  KF_ERR_INTERNAL: { intent: "Generic", http: 500, exit: 70, summary: "an unexpected internal error" },
} as const satisfies Record<string, { intent: ErrorIntent; http: number; exit: number; summary: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export class FleetError extends Error {
  override name = "FleetError";
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
  get intent(): ErrorIntent {
    return ERROR_CODES[this.code].intent;
  }
}

export const exitCodeOf = (err: unknown): number => (err instanceof FleetError ? ERROR_CODES[err.code].exit : ERROR_CODES.KF_ERR_INTERNAL.exit);
