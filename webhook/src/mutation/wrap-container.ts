// Rewrites one container so its original argv runs under podinit, read-only volume mounted.

import { escapeForSpec, isSet, type ImageEntrypoint } from "./entrypoint.js";
import type { Container } from "./pod-types.js";
import type { MutationSettings } from "./settings.js";

/**
 * A copy of `container` whose command is `[...prefix, original…]`, `prefix` being podinit's
 * `[binary, flags…, "--"]`. With `command` set, args stay as they are. Without it the image's
 * ENTRYPOINT moves into command, and its CMD into args only when args are absent, which is
 * exactly what the runtime would have run.
 */
export function wrapContainer(
  container: Container,
  prefix: readonly string[],
  volumeName: string,
  settings: MutationSettings,
  image: ImageEntrypoint | undefined,
): Container {
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
