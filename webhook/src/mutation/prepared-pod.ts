// What both the registry lookup and the mutation need to know about a pod, worked out once per review.

import { indexAnnotations, type Annotations } from "./annotations.js";
import { isSet } from "./entrypoint.js";
import { NO_LIMIT_RANGES, type NamespaceLimits } from "./limit-ranges.js";
import {
  allContainers,
  installedVolume,
  podSkipReason,
  type InstalledVolume,
  type PodSkipReason,
} from "./pod-skip.js";
import type { Pod } from "./pod-types.js";
import { lookupCandidates, readSelection, type Selection } from "./select-containers.js";
import type { MutationSettings } from "./settings.js";

export interface PreparedPod {
  readonly pod: Pod;
  /** The review's namespace: a pod being created often has none in its metadata. */
  readonly namespace: string;
  readonly annotations: Annotations;
  readonly skip: PodSkipReason | null;
  /** null when the whole pod is skipped: nobody asks which containers were chosen then. */
  readonly selection: Selection | null;
  /** The volume of our installer when an earlier pass injected this pod, else null. */
  readonly installed: InstalledVolume | null;
  /** The LimitRanges of the pod's namespace, which the installer must keep. */
  readonly limits: NamespaceLimits;
}

export function preparePod(
  pod: Pod,
  namespace: string,
  settings: MutationSettings,
  limits: NamespaceLimits = NO_LIMIT_RANGES,
): PreparedPod {
  const annotations = indexAnnotations(pod.metadata?.annotations);
  const installed = installedVolume(pod, settings);
  const skip = podSkipReason(pod, namespace, annotations, installed, settings);
  const selection = skip === null ? readSelection(annotations, allContainers(pod)) : null;
  return { pod, namespace, annotations, skip, selection, installed, limits };
}

export const NO_NAMES: ReadonlySet<string> = new Set();

/**
 * The containers a registry lookup should resolve before the mutation runs: none when the pod is
 * skipped as a whole or every container sets `command` (the common, cheap case).
 */
export function containersNeedingLookup(
  prepared: PreparedPod,
  settings: MutationSettings,
): ReadonlySet<string> {
  const { pod, annotations, selection } = prepared;
  if (selection === null || allContainers(pod).every(c => isSet(c.command))) return NO_NAMES;
  return lookupCandidates(
    pod.spec.initContainers ?? [],
    pod.spec.containers,
    annotations,
    selection,
    settings,
  );
}
