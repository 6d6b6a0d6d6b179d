// Every failure the webhook reports, as a value with a stable code and an actionable message.

/** Failures answered over HTTP, with the status they are answered with. */
const HTTP_STATUS = {
  ERR_REVIEW_NOT_JSON: 400,
  ERR_REVIEW_TOO_LARGE: 400,
  ERR_REVIEW_INVALID: 400,
  ERR_ROUTE_NOT_FOUND: 404,
  ERR_INTERNAL: 500,
  /** A review whose pod is not shaped like one; on /mutate answered 200, allowed without podinit (fail-open.ts). */
  ERR_POD_MALFORMED: 500,
  ERR_BUSY: 503,
} as const;

export type RequestErrorCode = keyof typeof HTTP_STATUS;

/** Failures at start-up, before anything is served: the process exits 2. */
export type StartErrorCode = "ERR_CONFIG_INVALID" | "ERR_TLS_FILES";

export type WebhookErrorCode = RequestErrorCode | StartErrorCode;

export interface WebhookError<C extends WebhookErrorCode = WebhookErrorCode> {
  readonly code: C;
  readonly message: string;
}

export function webhookError<C extends WebhookErrorCode>(
  code: C,
  message: string,
): WebhookError<C> {
  return { code, message };
}

export function httpStatus(error: WebhookError<RequestErrorCode>): number {
  return HTTP_STATUS[error.code];
}
