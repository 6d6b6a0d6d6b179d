// What podinit exits with: the main process's status as a shell would report it, remapped; or why it could not start.

import type { ExitRemap } from "#options/podinit-options.js";
import { signalName } from "#options/signals.js";
import type { ExitStatus, Sys } from "./sys.js";

/** podinit's own failure: EX_SOFTWARE, a code no child produces by being killed. */
export const INTERNAL_ERROR_EXIT = 70;

const ENOENT = 2;
const ENOTDIR = 20;

export interface ExitCode {
  readonly code: number;
  /** The code before --remap-exit, when a remap applied. */
  readonly remappedFrom: number | null;
}

/** 128+N for death by signal N, as shells and Kubernetes report it; then the user's remaps. */
export function exitCodeOf(status: ExitStatus, remaps: readonly ExitRemap[]): ExitCode {
  const raw = status.signal !== 0 ? 128 + status.signal : status.code;
  const remap = remaps.find(r => r.from === raw);
  return remap === undefined
    ? { code: raw, remappedFrom: null }
    : { code: remap.to, remappedFrom: raw };
}

export function describeStatus(status: ExitStatus): string {
  return status.signal !== 0
    ? `was killed by SIG${signalName(status.signal)}`
    : `exited with ${status.code}`;
}

/**
 * A command that could not start exits as a shell's would: 127 when the program is not there, 126
 * when it is there but cannot run. A failed fork is podinit's own failure.
 */
export function spawnFailure(
  program: string,
  { failed: stage, errno }: { readonly failed: "exec" | "fork"; readonly errno: number },
  sys: Pick<Sys, "describeErrno">,
): { readonly code: number; readonly message: string } {
  const { name, text } = sys.describeErrno(errno);
  if (stage === "fork") {
    return {
      code: INTERNAL_ERROR_EXIT,
      message: `cannot start '${program}': fork failed: ${text} (${name})`,
    };
  }
  const notFound = errno === ENOENT || errno === ENOTDIR;
  const where = notFound && !program.includes("/") ? " in PATH" : "";
  return {
    code: notFound ? 127 : 126,
    message: `cannot run '${program}': ${text}${where} (${name})`,
  };
}
