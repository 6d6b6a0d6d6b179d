// Pod-wide reasons not to inject: podinit is Linux-only, and some pods must not be touched at all.

import { podAnnotation, type Annotations } from "./annotations.js";
import type { Container, JsonObject, Pod } from "./pod-types.js";
import { isJsonObject } from "./pod-types.js";
import { isPickedVolumeName } from "./install-container.js";
import {
  binaryPath,
  INSTALL_CONTAINER_NAME,
  type InjectionMode,
  type MutationSettings,
} from "./settings.js";

/** Skips that leave the pod byte-for-byte unchanged (no status annotation either). */
export type UntouchedReason = "already-injected" | "mirror-pod";
/** Skips recorded in the pod's `podinit.dev/status` annotation. */
export type RecordedSkipReason =
  | "namespace-excluded"
  | "opted-out"
  | "windows"
  | "host-process"
  | "no-eligible-containers"
  | "limit-range";
export type PodSkipReason = UntouchedReason | RecordedSkipReason;

const OS_LABEL = "kubernetes.io/os";
const MIRROR_ANNOTATION = "kubernetes.io/config.mirror";
const OPT_OUT_VALUES: ReadonlySet<string> = new Set(["false", "disabled"]);

export function allContainers(pod: Pod): readonly Container[] {
  return [...(pod.spec.initContainers ?? []), ...pod.spec.containers];
}

/**
 * Why the whole pod is skipped, or null to go on and look at its containers.
 * `namespace` is the review's namespace: a pod being created often has none in its metadata.
 * `installed` is the pod's installedVolume, found once per review by the caller.
 */
export function podSkipReason(
  pod: Pod,
  namespace: string,
  annotations: Annotations,
  installed: InstalledVolume | null,
  settings: MutationSettings,
): PodSkipReason | null {
  if (installed === null && isWrappedByHand(pod, settings)) return "already-injected";
  if (pod.metadata?.annotations?.[MIRROR_ANNOTATION] !== undefined) return "mirror-pod";
  if (settings.excludedNamespaces.includes(namespace)) return "namespace-excluded";
  const inject = podAnnotation(annotations, "inject");
  if (inject !== null && OPT_OUT_VALUES.has(inject.trim().toLowerCase())) return "opted-out";
  if (isWindowsPod(pod)) return "windows";
  if (isHostProcessPod(pod)) return "host-process";
  return null;
}

/**
 * In a pod that no earlier pass of the webhook injected: a command already starting with podinit,
 * or a container named like our installer. Wrapped by hand (or by another tool), so nothing here
 * is ours to complete, and adding a second installer would clash.
 */
function isWrappedByHand(pod: Pod, settings: MutationSettings): boolean {
  return allContainers(pod).some(
    c => c.name === INSTALL_CONTAINER_NAME || startsWithPodinit(c, settings),
  );
}

/** The volume through which an earlier pass of the webhook brought podinit, and how. */
export interface InstalledVolume {
  readonly name: string;
  readonly mode: InjectionMode;
}

/**
 * The volume podinit reaches this pod through, when the webhook injected it before: the API
 * server calls the webhook again (reinvocation) after other admission plugins changed the pod,
 * and on updates. Our installer's volume, or the image volume a wrapped container runs podinit
 * from. Found by structure, not by the image's name: the pod may have been injected by an
 * earlier release, whose --init-image had another tag.
 */
export function installedVolume(pod: Pod, settings: MutationSettings): InstalledVolume | null {
  const install = pod.spec.initContainers?.find(c => c.name === INSTALL_CONTAINER_NAME);
  const filled = install?.volumeMounts?.[0]?.name;
  if (filled !== undefined) return { name: filled, mode: "initContainer" };
  for (const container of allContainers(pod)) {
    const binary = container.command?.[0];
    if (binary === undefined || !startsWithPodinit(container, settings)) continue;
    const mount = container.volumeMounts?.find(m => binary.startsWith(`${m.mountPath}/`));
    const volume = pod.spec.volumes?.find(v => v.name === mount?.name);
    // Only a volume of a name the webhook picks: a pod's own image volume with a podinit in it
    // was wrapped by hand, and is left alone.
    if (volume !== undefined && isJsonObject(volume["image"]) && isPickedVolumeName(volume.name))
      return { name: volume.name, mode: "imageVolume" };
  }
  return null;
}

/**
 * A container whose command already runs podinit: wrapped on an earlier pass (in either mode:
 * auto or the chart may have changed it since), or by hand.
 */
export function startsWithPodinit(container: Container, settings: MutationSettings): boolean {
  const first = container.command?.[0];
  if (first === undefined) return false;
  return (
    first === binaryPath(settings, "initContainer") ||
    first === binaryPath(settings, "imageVolume") ||
    /(^|\/)podinit$/.test(first)
  );
}

function isWindowsPod(pod: Pod): boolean {
  const spec = pod.spec;
  if (spec.os?.name === "windows") return true;
  if (spec.nodeSelector?.[OS_LABEL] === "windows") return true;
  return requiresWindowsNodes(spec.affinity);
}

/** Required node affinity whose every term pins kubernetes.io/os to windows only. */
function requiresWindowsNodes(affinity: JsonObject | undefined): boolean {
  const nodeAffinity = affinity?.["nodeAffinity"];
  if (!isJsonObject(nodeAffinity)) return false;
  const required = nodeAffinity["requiredDuringSchedulingIgnoredDuringExecution"];
  if (!isJsonObject(required)) return false;
  const terms = required["nodeSelectorTerms"];
  if (!Array.isArray(terms) || terms.length === 0) return false;
  return terms.every(term => {
    const expressions: unknown = isJsonObject(term) ? term["matchExpressions"] : undefined;
    return Array.isArray(expressions) && expressions.some(pinsWindows);
  });
}

function pinsWindows(expression: unknown): boolean {
  if (!isJsonObject(expression) || expression["key"] !== OS_LABEL) return false;
  const values = expression["values"];
  return (
    expression["operator"] === "In" &&
    Array.isArray(values) &&
    values.length > 0 &&
    values.every(v => v === "windows")
  );
}

function isHostProcessPod(pod: Pod): boolean {
  if (pod.spec.securityContext?.windowsOptions?.hostProcess === true) return true;
  return allContainers(pod).some(c => c.securityContext?.windowsOptions?.hostProcess === true);
}
