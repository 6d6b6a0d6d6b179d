// The one error type of the e2e harness: a code to branch on and a message that says what to do.

export type HarnessErrorCode =
  | "ERR_NOT_ROOT"
  | "ERR_TOOL_MISSING"
  | "ERR_COMMAND_FAILED"
  | "ERR_TIMEOUT"
  | "ERR_NO_MIRROR"
  | "ERR_INPUT_MISSING"
  | "ERR_POD_INVALID"
  | "ERR_CONTAINER_STATE";

export class HarnessError extends Error {
  override readonly name = "HarnessError";

  constructor(
    readonly code: HarnessErrorCode,
    message: string,
  ) {
    super(message);
  }
}
