// Rewrites one container so its original argv runs under podinit, read-only volume mounted.

import { formatArgs, type InitOptions } from "../../../init/src/options.js";
import { escapeForSpec, isSet, type ImageEntrypoint } from "./entrypoint.js";
import type { Container } from "./pod-types.js";
import { binaryPath, type MutationSettings } from "./settings.js";

/**
 * A copy of `container` whose command is `[podinit, flags…, "--", original…]`. With `command` set,
 * args stay as they are. Without it the image's ENTRYPOINT moves into command, and its CMD into
 * args only when args are absent, which is exactly what the runtime would have run.
 */
export function wrapContainer(
  container: Container,
  options: InitOptions,
  volumeName: string,
  settings: MutationSettings,
  image: ImageEntrypoint | undefined,
): Container {
  const prefix = [binaryPath(settings), ...formatArgs(options), "--"];
  const mount = { name: volumeName, mountPath: settings.mountPath, readOnly: true };
  const wrapped: Record<string, unknown> = {
    ...container,
    volumeMounts: [...(container.volumeMounts ?? []), mount],
  };
  if (isSet(container.command)) {
    wrapped["command"] = [...prefix, ...container.command];
  } else if (image !== undefined) {
    wrapped["command"] = [...prefix, ...escapeForSpec(image.entrypoint)];
    if (!isSet(container.args) && image.cmd.length > 0) wrapped["args"] = escapeForSpec(image.cmd);
  } else {
    throw new Error(`container ${container.name} has no command and no resolved entrypoint`);
  }
  return wrapped as Container;
}
