// Injects a pod seen for the first time: the volume, the installer (or the image volume) and the wrapped containers.

import type { Operation } from "fast-json-patch";
import type { Annotations } from "./annotations.js";
import { commandPrefix } from "./command-prefix.js";
import { copyWith } from "./copy-with.js";
import { terminationGraceMs } from "./container-options.js";
import type { ResolvedEntrypoints } from "./entrypoint.js";
import {
  imageVolume,
  installContainer,
  installVolume,
  pickVolumeName,
} from "./install-container.js";
import { fitInstaller } from "./installer-fit.js";
import { skippedResult, unique, withStatus, type MutationResult } from "./mutation-result.js";
import { injectionPatch, podPatch } from "./pod-patch.js";
import { podMode } from "./pod-mode.js";
import { podQosClass, type QosClass } from "./pod-qos.js";
import type { Container, Pod } from "./pod-types.js";
import type { PreparedPod } from "./prepared-pod.js";
import type { ContainerPlan, ContainerSkipReason } from "./select-containers.js";
import type { InjectionMode, MutationSettings } from "./settings.js";
import type { PodStatus } from "./status.js";
import { wrapContainer } from "./wrap-container.js";

/** The containers a pass wraps, what they resolve to, and where their warnings go. */
export interface WrapPass {
  readonly chosen: readonly ContainerPlan[];
  readonly resolved: ResolvedEntrypoints;
  readonly warnings: string[];
}

export /** Wraps the chosen containers in place (the same object for every other one). */
function wrapper(
  pod: Pod,
  annotations: Annotations,
  settings: MutationSettings,
  pass: WrapPass,
  volumeName: string,
): (c: Container) => Container {
  const terminationMs = terminationGraceMs(pod.spec.terminationGracePeriodSeconds);
  const selected = new Set(pass.chosen.map(p => p.container));
  return c => {
    if (!selected.has(c)) return c;
    const { prefix, warnings } = commandPrefix(annotations, c.name, terminationMs, settings);
    pass.warnings.push(...warnings);
    return wrapContainer(c, prefix, volumeName, settings, pass.resolved.get(c.name));
  };
}

export function injectPod(
  prepared: PreparedPod,
  configured: MutationSettings,
  chosen: readonly ContainerPlan[],
  resolved: ResolvedEntrypoints,
  warnings: string[],
  skipped: Readonly<Record<string, ContainerSkipReason>>,
): MutationResult {
  const { pod, annotations } = prepared;
  const spec = pod.spec;
  const { settings, warning } = podMode(annotations, configured);
  if (warning !== null) warnings.push(warning);
  const wrappedNames = chosen.map(p => p.container.name);
  const volumeName = pickVolumeName(spec.volumes ?? []);
  const wrap = wrapper(pod, annotations, settings, { chosen, resolved, warnings }, volumeName);
  const result = (mutated: Pod, patch: Operation[]): MutationResult => ({
    pod: mutated,
    patch,
    decision: "injected",
    reason: null,
    wrapped: wrappedNames,
    skippedContainers: skipped,
    warnings: unique(warnings),
  });
  const status = (qos: QosClass, mode: InjectionMode): PodStatus => ({
    version: settings.version,
    decision: "injected",
    wrapped: wrappedNames,
    skipped,
    qos,
    mode,
  });
  if (settings.injectionMode === "imageVolume") {
    // Nothing runs before the app and nothing has resources: QoS, LimitRanges and quota see no change.
    const mutated = copyWith(withStatus(pod, status(podQosClass(pod), "imageVolume")), {
      spec: copyWith(spec, {
        volumes: [...(spec.volumes ?? []), imageVolume(volumeName, settings)],
        ...(spec.initContainers === undefined
          ? {}
          : { initContainers: spec.initContainers.map(wrap) }),
        containers: spec.containers.map(wrap),
      }),
    });
    return result(mutated, podPatch(pod, mutated));
  }
  const fit = fitInstaller(pod, settings, prepared.limits);
  if (fit.problem !== null) {
    warnings.push(`${fit.problem}; admitted without podinit`);
    return skippedResult(pod, "limit-range", skipped, warnings, settings);
  }
  const install = installContainer(volumeName, settings, fit);
  const mutated = copyWith(withStatus(pod, status(fit.qos, "initContainer")), {
    spec: copyWith(spec, {
      volumes: [...(spec.volumes ?? []), installVolume(volumeName, settings)],
      initContainers: [install, ...(spec.initContainers ?? []).map(wrap)],
      containers: spec.containers.map(wrap),
    }),
  });
  return result(mutated, injectionPatch(pod, mutated, install));
}
