// The pure mutation: a pod and the settings in, the pod to admit and the warnings to show out.

import { indexAnnotations, STATUS_ANNOTATION, unknownAnnotationWarnings } from "./annotations.js";
import { containerOptions, terminationGraceMs } from "./container-options.js";
import { isSet, NO_RESOLVED_ENTRYPOINTS, type ResolvedEntrypoints } from "./entrypoint.js";
import { installContainer, installVolume, pickVolumeName } from "./install-container.js";
import {
  allContainers,
  podSkipReason,
  type PodSkipReason,
  type RecordedSkipReason,
} from "./pod-skip.js";
import type { Container, Pod } from "./pod-types.js";
import {
  lookupCandidates,
  planContainers,
  type ContainerPlan,
  type ContainerSkipReason,
} from "./select-containers.js";
import type { MutationSettings } from "./settings.js";
import { formatStatus, type PodStatus } from "./status.js";
import { wrapContainer } from "./wrap-container.js";

export interface MutationResult {
  /** The pod to admit. The very same object when nothing changed; otherwise a copy that shares
   * every subtree it did not change with the original (the patch generator relies on that). */
  readonly pod: Pod;
  readonly decision: "injected" | "skipped";
  readonly reason: PodSkipReason | null;
  readonly wrapped: readonly string[];
  readonly skippedContainers: Readonly<Record<string, ContainerSkipReason>>;
  readonly warnings: readonly string[];
}

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
): MutationResult {
  const annotations = indexAnnotations(pod.metadata?.annotations);
  const podReason = podSkipReason(pod, namespace, annotations, settings);
  if (podReason === "already-injected" || podReason === "mirror-pod") {
    return {
      pod,
      decision: "skipped",
      reason: podReason,
      wrapped: [],
      skippedContainers: {},
      warnings: [],
    };
  }
  const warnings =
    annotations.keys.length === 0
      ? []
      : unknownAnnotationWarnings(annotations, new Set(allContainers(pod).map(c => c.name)));
  if (podReason !== null) return recordSkip(pod, podReason, {}, warnings, settings);

  const spec = pod.spec;
  const initContainers = spec.initContainers ?? [];
  const selection = planContainers(
    initContainers,
    spec.containers,
    annotations,
    settings,
    resolved,
    lookupFailed,
  );
  warnings.push(...selection.warnings);
  const skipped = skippedByName(selection.plans);
  const chosen = selection.plans.filter(p => p.skip === null);
  if (chosen.length === 0)
    return recordSkip(pod, "no-eligible-containers", skipped, warnings, settings);

  const volumeName = pickVolumeName(spec.volumes ?? []);
  const terminationMs = terminationGraceMs(spec.terminationGracePeriodSeconds);
  const replacements = new Map<Container, Container>();
  for (const { container } of chosen) {
    const built = containerOptions(
      annotations,
      container.name,
      terminationMs,
      settings.graceMarginMs,
    );
    warnings.push(...built.warnings);
    const image = resolved.get(container.name);
    replacements.set(
      container,
      wrapContainer(container, built.options, volumeName, settings, image),
    );
  }
  const swap = (c: Container): Container => replacements.get(c) ?? c;
  const wrapped = chosen.map(p => p.container.name);
  const status: PodStatus = { version: settings.version, decision: "injected", wrapped, skipped };
  const mutated: Pod = {
    ...withStatus(pod, status),
    spec: {
      ...spec,
      volumes: [...(spec.volumes ?? []), installVolume(volumeName, settings)],
      initContainers: [installContainer(volumeName, settings), ...initContainers.map(swap)],
      containers: spec.containers.map(swap),
    },
  };
  return {
    pod: mutated,
    decision: "injected",
    reason: null,
    wrapped,
    skippedContainers: skipped,
    warnings: unique(warnings),
  };
}

const NO_NAMES: ReadonlySet<string> = new Set();

/**
 * The containers a registry lookup should resolve before `mutatePod` runs: none when the pod is
 * skipped as a whole or every container sets `command` (the common, cheap case).
 */
export function containersNeedingLookup(
  pod: Pod,
  namespace: string,
  settings: MutationSettings,
): ReadonlySet<string> {
  const spec = pod.spec;
  if (allContainers(pod).every(c => isSet(c.command))) return NO_NAMES;
  const annotations = indexAnnotations(pod.metadata?.annotations);
  if (podSkipReason(pod, namespace, annotations, settings) !== null) return NO_NAMES;
  return lookupCandidates(spec.initContainers ?? [], spec.containers, annotations, settings);
}

function skippedByName(plans: readonly ContainerPlan[]): Record<string, ContainerSkipReason> {
  const skipped: Record<string, ContainerSkipReason> = {};
  for (const plan of plans) if (plan.skip !== null) skipped[plan.container.name] = plan.skip;
  return skipped;
}

function recordSkip(
  pod: Pod,
  reason: RecordedSkipReason,
  skipped: Readonly<Record<string, ContainerSkipReason>>,
  warnings: readonly string[],
  settings: MutationSettings,
): MutationResult {
  const status: PodStatus =
    Object.keys(skipped).length === 0
      ? { version: settings.version, decision: "skipped", reason }
      : { version: settings.version, decision: "skipped", reason, skipped };
  return {
    pod: withStatus(pod, status),
    decision: "skipped",
    reason,
    wrapped: [],
    skippedContainers: skipped,
    warnings: unique(warnings),
  };
}

/** A shallow copy of the pod with the status annotation set (unchanged if it already says so). */
function withStatus(pod: Pod, status: PodStatus): Pod {
  const text = formatStatus(status);
  const metadata = pod.metadata ?? {};
  if (metadata.annotations?.[STATUS_ANNOTATION] === text) return pod;
  return {
    ...pod,
    metadata: { ...metadata, annotations: { ...metadata.annotations, [STATUS_ANNOTATION]: text } },
  };
}

function unique(warnings: readonly string[]): string[] {
  return [...new Set(warnings)];
}
