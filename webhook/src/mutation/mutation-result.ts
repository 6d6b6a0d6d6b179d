// What a mutation answers, and the two answers every path may give: the pod as it was, or marked skipped.

import type { Operation } from "fast-json-patch";
import { STATUS_ANNOTATION } from "./annotations.js";
import { copyWith } from "./copy-with.js";
import { podPatch } from "./pod-patch.js";
import type { PodSkipReason, RecordedSkipReason } from "./pod-skip.js";
import type { Pod } from "./pod-types.js";
import type { ContainerSkipReason } from "./select-containers.js";
import type { MutationSettings } from "./settings.js";
import { formatStatus, type PodStatus } from "./status.js";

export interface MutationResult {
  /** The pod to admit: the very same object when nothing changed; otherwise a copy that shares
   * every subtree it did not change with the original. */
  readonly pod: Pod;
  /** The JSON Patch that turns the original pod into `pod`, computed by fast-json-patch. */
  readonly patch: readonly Operation[];
  /** "reinvoked": a pod injected on an earlier pass, completed (`wrapped`) or left as it was. */
  readonly decision: "injected" | "skipped" | "reinvoked";
  readonly reason: PodSkipReason | null;
  readonly wrapped: readonly string[];
  readonly skippedContainers: Readonly<Record<string, ContainerSkipReason>>;
  readonly warnings: readonly string[];
}

/** The pod left exactly as it came: no status is written, no patch is made. */
export function untouched(
  pod: Pod,
  decision: "skipped" | "reinvoked",
  reason: PodSkipReason | null,
): MutationResult {
  return { pod, patch: [], decision, reason, wrapped: [], skippedContainers: {}, warnings: [] };
}

export function skippedResult(
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
  const marked = withStatus(pod, status);
  return {
    pod: marked,
    patch: podPatch(pod, marked),
    decision: "skipped",
    reason,
    wrapped: [],
    skippedContainers: skipped,
    warnings: unique(warnings),
  };
}

export /**
 * The pod with `status` in its status annotation: a copy of the pod and its metadata, or the pod
 * itself when the annotation already says so (a reinvocation then gets an empty patch).
 */
function withStatus(pod: Pod, status: PodStatus): Pod {
  const text = formatStatus(status);
  const metadata = pod.metadata;
  const annotations = metadata?.annotations;
  if (annotations?.[STATUS_ANNOTATION] === text) return pod;
  return copyWith(pod, {
    metadata: copyWith(metadata, {
      annotations: copyWith<Record<string, string>>(annotations, { [STATUS_ANNOTATION]: text }),
    }),
  });
}

export function unique(warnings: readonly string[]): string[] {
  return [...new Set(warnings)];
}
