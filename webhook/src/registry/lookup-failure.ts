// Every way an image lookup can fail, as a value with a stable code and a message saying what to do.

export type LookupFailureCode =
  | "ERR_REFERENCE_INVALID"
  | "ERR_REGISTRY_UNREACHABLE"
  | "ERR_ADDRESS_FORBIDDEN"
  | "ERR_LOOKUP_TIMEOUT"
  | "ERR_REGISTRY_UNAUTHORIZED"
  | "ERR_TOKEN_FAILED"
  | "ERR_IMAGE_NOT_FOUND"
  | "ERR_MANIFEST_INVALID"
  | "ERR_INDEX_TOO_LARGE"
  | "ERR_IMAGE_CONFIG_INVALID"
  | "ERR_COMMAND_TOO_LARGE"
  | "ERR_PLATFORM_NOT_FOUND"
  | "ERR_REGISTRY_RESPONSE"
  | "ERR_LOOKUPS_BUSY"
  | "ERR_REDIRECT_INVALID"
  | "ERR_NOTHING_TO_RUN"
  | "ERR_ENTRYPOINT_ANNOTATION_INVALID";

export interface LookupFailure {
  readonly ok: false;
  readonly code: LookupFailureCode;
  /** Safe to log and to show in an admission warning: never holds credentials or tokens. */
  readonly message: string;
  /**
   * For the webhook's own log only, never the pod's warning: what the network said (ECONNREFUSED,
   * a TLS alert), which would tell a pod's author the state of ports on hosts the webhook reaches.
   */
  readonly detail?: string;
}

/** What an operator can do about ERR_LOOKUP_TIMEOUT, wherever the time ran out. */
export const LOOKUP_TIMEOUT_HINT =
  "raise registry.lookupTimeout (--lookup-timeout), below the webhook's timeoutSeconds, or name a nearer cache in registry.mirrors";

export function lookupFailure(
  code: LookupFailureCode,
  message: string,
  detail?: string,
): LookupFailure {
  return detail === undefined ? { ok: false, code, message } : { ok: false, code, message, detail };
}

export function isLookupFailure(value: unknown): value is LookupFailure {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { ok?: unknown }).ok === false &&
    typeof (value as { code?: unknown }).code === "string"
  );
}
