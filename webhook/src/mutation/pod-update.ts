// Pod UPDATE: re-applying the manifest of an injected pod sets back the commands podinit wrapped.
//
// A pod's spec is immutable but for images and a few fields, and `kubectl apply` (client- or
// server-side) of the same manifest sends each container's `command` as written: without podinit.
// The API server then refuses the update. Where an update carries, for a container, exactly the
// command podinit replaced, the wrapped command goes back in, so the update no longer touches it.
// The old pod is the record of what podinit replaced: it is the pod as admitted, wrapped commands
// and all. Nothing else is ever changed on an update.
import type { Operation } from "fast-json-patch";
import { copyWith } from "./copy-with.js";
import { sameWords } from "./entrypoint.js";
import { podPatch } from "./pod-patch.js";
import { allContainers, installedVolume, startsWithPodinit } from "./pod-skip.js";
import type { Container, Pod } from "./pod-types.js";
import type { MutationSettings } from "./settings.js";

export interface UpdateResult {
  readonly patch: readonly Operation[];
  /** Containers whose wrapped command was put back. */
  readonly restored: readonly string[];
}

export function restoreWrappedCommands(
  pod: Pod,
  oldPod: Pod,
  settings: MutationSettings,
): UpdateResult {
  const untouched: UpdateResult = { patch: [], restored: [] };
  if (installedVolume(oldPod, settings) === null) return untouched;
  const wrappedBefore = new Map<
    string,
    { readonly wrapped: readonly string[]; readonly original: readonly string[] }
  >();
  for (const c of allContainers(oldPod)) {
    // podinit's own flags never contain "--": the first one ends them. Our installer has none.
    const separator = c.command?.indexOf("--") ?? -1;
    if (c.command !== undefined && separator > 0 && startsWithPodinit(c, settings))
      wrappedBefore.set(c.name, { wrapped: c.command, original: c.command.slice(separator + 1) });
  }
  const restored: string[] = [];
  const restore = (c: Container): Container => {
    const before = wrappedBefore.get(c.name);
    if (before === undefined || c.command === undefined) return c;
    if (!sameWords(c.command, before.original)) return c;
    restored.push(c.name);
    return copyWith(c, { command: before.wrapped });
  };
  const spec = pod.spec;
  const initContainers = spec.initContainers?.map(restore);
  const containers = spec.containers.map(restore);
  if (restored.length === 0) return untouched;
  const updated = copyWith(pod, {
    spec: copyWith(
      spec,
      initContainers === undefined ? { containers } : { containers, initContainers },
    ),
  });
  return { patch: podPatch(pod, updated), restored };
}
