// The argv Kubernetes runs for a container: `command ?? ENTRYPOINT`, then `args ?? (command set ? [] : CMD)`.

import { isSet, type ImageEntrypoint } from "../mutation/entrypoint.js";

export interface CommandAndArgs {
  readonly command?: readonly string[];
  readonly args?: readonly string[];
}

/**
 * Before the kubelet's `$(VAR)` expansion of the pod's strings (image strings are never expanded).
 * An empty list counts as unset, as the API server drops empty lists.
 */
export function runtimeArgv(container: CommandAndArgs, image: ImageEntrypoint): readonly string[] {
  const commandSet = isSet(container.command);
  const program = commandSet ? (container.command ?? []) : image.entrypoint;
  const rest = isSet(container.args) ? container.args : commandSet ? [] : image.cmd;
  return [...program, ...rest];
}

/** A container without command whose image has neither ENTRYPOINT nor CMD (and no args) cannot start. */
export function hasSomethingToRun(container: CommandAndArgs, image: ImageEntrypoint): boolean {
  return runtimeArgv(container, image).length > 0;
}
