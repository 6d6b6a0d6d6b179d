// Rewrites one container so its original argv runs under podinit, read-only volume mounted.

import type { Operation } from "fast-json-patch";
import { escapeForSpec, isSet, type ImageEntrypoint } from "./entrypoint.js";
import { appendOperation, setMember } from "./patch.js";
import type { Container, VolumeMount } from "./pod-types.js";
import type { MutationSettings } from "./settings.js";

/** What wrapping changes in a container; `wrapped` applies it. */
export interface Wrapping {
  readonly command: readonly string[];
  /** null: args stay as they are. */
  readonly args: readonly string[] | null;
  readonly mount: VolumeMount;
}

/**
 * The command becomes `[...prefix, original…]`, `prefix` being podinit's `[binary, flags…, "--"]`;
 * the operations for it, the container being at `path`, go to `patch`. With `command` set, args
 * stay as they are. Without it the image's ENTRYPOINT moves into command, and its CMD into args
 * only when args are absent, which is exactly what the runtime would have run.
 */
export function wrapContainer(
  container: Container,
  prefix: readonly string[],
  volumeName: string,
  settings: MutationSettings,
  image: ImageEntrypoint | undefined,
  path: string,
  patch: Operation[],
): Wrapping {
  let command: string[];
  let args: string[] | null = null;
  if (isSet(container.command)) {
    command = prefix.concat(container.command);
  } else if (image !== undefined) {
    command = prefix.concat(escapeForSpec(image.entrypoint));
    if (!isSet(container.args) && image.cmd.length > 0) args = escapeForSpec(image.cmd);
  } else {
    throw new Error(`container ${container.name} has no command and no resolved entrypoint`);
  }
  const mount = { name: volumeName, mountPath: settings.mountPath, readOnly: true };
  patch.push(appendOperation(`${path}/volumeMounts`, container.volumeMounts, mount));
  patch.push(setMember(container, path, "command", command));
  if (args !== null) patch.push(setMember(container, path, "args", args));
  return { command, args, mount };
}

/** A copy of `container` with the wrapping applied; it shares every member it does not change. */
export function wrapped(container: Container, wrapping: Wrapping): Container {
  const mounts = container.volumeMounts;
  const copy: Record<string, unknown> = {
    ...container,
    volumeMounts: mounts === undefined ? [wrapping.mount] : mounts.concat(wrapping.mount),
    command: wrapping.command,
  };
  if (wrapping.args !== null) copy["args"] = wrapping.args;
  return copy as Container;
}
