// The pure mutation: a pod and the settings in, the pod to admit, its patch and the warnings out.

import { unknownAnnotationWarnings } from "./annotations.js";
import { NO_RESOLVED_ENTRYPOINTS, type ResolvedEntrypoints } from "./entrypoint.js";
import { NO_LIMIT_RANGES, type NamespaceLimits } from "./limit-ranges.js";
import { skippedResult, untouched, type MutationResult } from "./mutation-result.js";
import { injectPod } from "./pod-injection.js";
import { reinject } from "./pod-reinjection.js";
import { allContainers, startsWithPodinit, type InstalledVolume } from "./pod-skip.js";
import type { Container, Pod } from "./pod-types.js";
import { NO_NAMES, preparePod, type PreparedPod } from "./prepared-pod.js";
import {
  planContainers,
  readSelection,
  type ContainerPlan,
  type ContainerSkipReason,
} from "./select-containers.js";
import { INSTALL_CONTAINER_NAME, type MutationSettings } from "./settings.js";

/**
 * Injects podinit into `pod`, created in `namespace`. Never modifies its input. `resolved` holds
 * image entrypoints for containers without a command (from a registry lookup done beforehand);
 * `lookupFailed` names those whose lookup failed, skipped as `image-lookup-failed`.
 */
export function mutatePod(
  pod: Pod,
  namespace: string,
  settings: MutationSettings,
  resolved: ResolvedEntrypoints = NO_RESOLVED_ENTRYPOINTS,
  lookupFailed: ReadonlySet<string> = NO_NAMES,
  limits: NamespaceLimits = NO_LIMIT_RANGES,
): MutationResult {
  const prepared = preparePod(pod, namespace, settings, limits);
  return mutatePrepared(prepared, settings, resolved, lookupFailed);
}

export function mutatePrepared(
  prepared: PreparedPod,
  settings: MutationSettings,
  resolved: ResolvedEntrypoints = NO_RESOLVED_ENTRYPOINTS,
  lookupFailed: ReadonlySet<string> = NO_NAMES,
): MutationResult {
  const { pod, annotations, skip: podReason, selection } = prepared;
  if (podReason === "already-injected" || podReason === "mirror-pod") {
    return untouched(pod, "skipped", podReason);
  }
  const warnings =
    annotations.keys.length === 0
      ? []
      : unknownAnnotationWarnings(annotations, new Set(allContainers(pod).map(c => c.name)));
  if (podReason !== null) return skippedResult(pod, podReason, {}, warnings, settings);

  const spec = pod.spec;
  const { installed } = prepared;
  const planned = planContainers(
    ownInitContainers(pod, installed),
    spec.containers,
    annotations,
    selection ?? readSelection(annotations, allContainers(pod)),
    settings,
    resolved,
    lookupFailed,
  );
  warnings.push(...planned.warnings);
  // On reinvocation, containers wrapped on an earlier pass are done; only newcomers are planned.
  const done = (c: Container): boolean => installed !== null && startsWithPodinit(c, settings);
  const plans = planned.plans.filter(p => !done(p.container));
  const skipped = skippedByName(plans);
  const chosen = plans.filter(p => p.skip === null);
  if (installed !== null) {
    const wrappedBefore = planned.plans.filter(p => done(p.container)).map(p => p.container.name);
    const pass = { chosen, wrappedBefore, resolved, warnings, skipped };
    return reinject(prepared, installed, settings, pass);
  }
  if (chosen.length === 0)
    return skippedResult(pod, "no-eligible-containers", skipped, warnings, settings);

  return injectPod(prepared, settings, chosen, resolved, warnings, skipped);
}

/** The init containers that are the pod's own: all of them, less our installer on reinvocation. */
function ownInitContainers(pod: Pod, installed: InstalledVolume | null): readonly Container[] {
  const all = pod.spec.initContainers ?? [];
  return installed === null ? all : all.filter(c => c.name !== INSTALL_CONTAINER_NAME);
}

function skippedByName(plans: readonly ContainerPlan[]): Record<string, ContainerSkipReason> {
  const skipped: Record<string, ContainerSkipReason> = {};
  for (const plan of plans) if (plan.skip !== null) skipped[plan.container.name] = plan.skip;
  return skipped;
}
