// The argv a container runs, following Kubernetes' rules for command, args and the image config.

import type { Container } from "./pod-types.js";

/** ENTRYPOINT and CMD from the image config, as a future registry lookup would supply them. */
export interface ImageEntrypoint {
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
}

/** Resolved image entrypoints by container name; empty until the registry lookup exists. */
export type ResolvedEntrypoints = ReadonlyMap<string, ImageEntrypoint>;

export const NO_RESOLVED_ENTRYPOINTS: ResolvedEntrypoints = new Map();

/** Kubernetes serialises an empty list as absent, so both mean "not set". */
export function isSet(list: readonly string[] | undefined): list is readonly string[] {
  return Array.isArray(list) && list.length > 0;
}

/**
 * The first word of what the container will exec, or null when it cannot be known: `command`
 * replaces the image's ENTRYPOINT and CMD; `args` alone replaces only CMD.
 */
export function effectiveProgram(
  container: Container,
  image: ImageEntrypoint | undefined,
): string | null {
  if (isSet(container.command)) return container.command[0] ?? null;
  if (image === undefined) return null;
  if (image.entrypoint.length > 0) return image.entrypoint[0] ?? null;
  if (isSet(container.args)) return container.args[0] ?? null;
  return image.cmd[0] ?? null;
}

/** Strings copied from the image into the spec: Kubernetes expands `$(VAR)` there, so escape `$`. */
export function escapeForSpec(words: readonly string[]): string[] {
  return words.map(word => word.replaceAll("$", "$$$$"));
}

/** Two argument lists word for word the same. */
export function sameWords(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((word, i) => word === b[i]);
}
