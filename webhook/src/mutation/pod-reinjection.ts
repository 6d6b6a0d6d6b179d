// A pod injected on an earlier pass, seen again: containers added since are wrapped with the volume already there.

import { allContainers, type InstalledVolume } from "./pod-skip.js";
import { copyWith } from "./copy-with.js";
import { untouched, unique, withStatus, type MutationResult } from "./mutation-result.js";
import { wrapper, type WrapPass } from "./pod-injection.js";
import { withMode } from "./pod-mode.js";
import { podPatch } from "./pod-patch.js";
import { podQosClass } from "./pod-qos.js";
import type { PreparedPod } from "./prepared-pod.js";
import type { ContainerSkipReason } from "./select-containers.js";
import { INSTALL_CONTAINER_NAME, type MutationSettings } from "./settings.js";
import type { PodStatus } from "./status.js";

export interface Reinvocation extends WrapPass {
  readonly wrappedBefore: readonly string[];
  readonly skipped: Readonly<Record<string, ContainerSkipReason>>;
}

/**
 * A pod injected on an earlier pass, seen again: another webhook may have added containers since
 * (a log shipper, a proxy). Those are wrapped with the volume already there and the status is
 * brought up to date; nothing else is added twice. With nothing new, the pod stays as it is.
 */
export function reinject(
  prepared: PreparedPod,
  installed: InstalledVolume,
  settings: MutationSettings,
  pass: Reinvocation,
): MutationResult {
  const { pod, annotations } = prepared;
  const newcomers = pass.chosen.map(p => p.container.name);
  const unchanged = untouched(pod, "reinvoked", null);
  if (newcomers.length === 0) return unchanged;
  const spec = pod.spec;
  // A later webhook may have put an init container in front of our installer (an agent that
  // must run first): wrapped, it would start before the binary exists. The installer goes back
  // in front; it only copies a file, so it delays nothing of theirs.
  const init = spec.initContainers ?? [];
  const installer = init.find(c => c.name === INSTALL_CONTAINER_NAME);
  const ordered =
    installer === undefined || init[0] === installer
      ? init
      : [installer, ...init.filter(c => c !== installer)];
  // Wrapped the way the pod was injected, whatever the mode is now (the chart may have changed it).
  const wrap = wrapper(pod, annotations, withMode(settings, installed.mode), pass, installed.name);
  const status: PodStatus = {
    version: settings.version,
    decision: "injected",
    wrapped: allContainers(pod)
      .map(c => c.name)
      .filter(name => pass.wrappedBefore.includes(name) || newcomers.includes(name)),
    skipped: pass.skipped,
    qos: podQosClass(pod),
    mode: installed.mode,
  };
  const mutated = copyWith(withStatus(pod, status), {
    spec: copyWith(
      spec,
      spec.initContainers === undefined
        ? { containers: spec.containers.map(wrap) }
        : { initContainers: ordered.map(wrap), containers: spec.containers.map(wrap) },
    ),
  });
  return {
    ...unchanged,
    pod: mutated,
    patch: podPatch(pod, mutated),
    wrapped: newcomers,
    warnings: unique(pass.warnings),
  };
}
