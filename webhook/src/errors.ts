// Every failure the webhook reports, as a value with a stable code and an actionable message.

export const ERROR_CODES = {
  ERR_CONFIG_INVALID: 2,
  ERR_TLS_FILES: 2,
  ERR_REVIEW_NOT_JSON: 400,
  ERR_REVIEW_TOO_LARGE: 400,
  ERR_REVIEW_INVALID: 400,
  ERR_ROUTE_NOT_FOUND: 404,
  ERR_INTERNAL: 500,
  /** A review whose pod is not shaped like one; answered 200, allowed without podinit (fail-open.ts). */
  ERR_POD_MALFORMED: 500,
  ERR_BUSY: 503,
} as const;

export type WebhookErrorCode = keyof typeof ERROR_CODES;

export interface WebhookError {
  readonly code: WebhookErrorCode;
  readonly message: string;
}

export function webhookError(code: WebhookErrorCode, message: string): WebhookError {
  return { code, message };
}

/** The HTTP status for errors answered over HTTP (the start-up ones map to an exit code). */
export function httpStatus(error: WebhookError): number {
  return ERROR_CODES[error.code];
}
