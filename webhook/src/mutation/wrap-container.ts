// Rewrites one container so its original argv runs under podinit, read-only volume mounted.

import { escapeForSpec, isSet, type ImageEntrypoint } from "./entrypoint.js";
import { copyWith } from "./copy-with.js";
import type { Container } from "./pod-types.js";
import type { MutationSettings } from "./settings.js";

/**
 * A copy of `container` whose command is `[...prefix, original…]`, `prefix` being podinit's
 * `[binary, flags…, "--"]`; it shares every member it does not change. With `command` set, args
 * stay as they are. Without it the image's ENTRYPOINT moves into command, and its CMD into args
 * only when args are absent, which is exactly what the runtime would have run.
 */
export function wrapContainer(
  container: Container,
  prefix: readonly string[],
  volumeName: string,
  settings: MutationSettings,
  image: ImageEntrypoint | undefined,
): Container {
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
  const mounts = container.volumeMounts;
  const volumeMounts = mounts === undefined ? [mount] : mounts.concat(mount);
  // Two literals rather than one with a spread: see copyWith.
  return copyWith(
    container,
    args === null ? { command, volumeMounts } : { command, args, volumeMounts },
  );
}
