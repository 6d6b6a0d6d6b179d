// The installer's resources and user for one pod, chosen so the pod's QoS class and startability stay as they were.

import { hasPodLevelResources, podQosClass, quantityOf, type QosClass } from "./pod-qos.js";
import type { Pod, ResourceRequirements } from "./pod-types.js";
import { formatQuantity, parseQuantity, type Nanos } from "./quantity.js";
import {
  DEFAULT_INSTALLER_LIMITS,
  DEFAULT_INSTALLER_REQUESTS,
  type InstallerResources,
  type MutationSettings,
} from "./settings.js";

export interface InstallerFit {
  /** The pod's QoS class before injection, and after it. */
  readonly qos: QosClass;
  /** null: the installer sets no resources (BestEffort pods, pods with pod-level resources). */
  readonly resources: ResourceRequirements | null;
  /** null: no runAsUser, the image's USER applies (and OpenShift may assign one). */
  readonly runAsUser: number | null;
}

export function fitInstaller(pod: Pod, settings: MutationSettings): InstallerFit {
  const qos = podQosClass(pod);
  return {
    qos,
    resources: resourcesFor(pod, qos, settings.installerResources),
    runAsUser: userFor(pod, settings),
  };
}

/**
 * Kubernetes counts init containers in the QoS class, so the installer's resources follow the
 * class: none for BestEffort, requests equal to limits for Guaranteed, the configured size for
 * Burstable. With pod-level resources the containers share the pod's budget and need none.
 */
function resourcesFor(
  pod: Pod,
  qos: QosClass,
  size: InstallerResources,
): ResourceRequirements | null {
  if (qos === "BestEffort" || hasPodLevelResources(pod.spec.resources)) return null;
  if (qos === "Burstable") return size.requirements;
  // Guaranteed: no more than the app containers ask for together, so the pod's effective request
  // (the larger of any init container's and the containers' sum) does not grow.
  const running = [
    ...pod.spec.containers,
    ...(pod.spec.initContainers ?? []).filter(c => c.restartPolicy === "Always"),
  ];
  const quantities: Record<string, string> = {};
  for (const [name, limit] of [
    ["cpu", size.cpuLimit],
    ["memory", size.memoryLimit],
  ] as const) {
    let total: Nanos = 0n;
    for (const container of running) total += quantityOf(container.resources?.requests, name) ?? 0n;
    const chosen = total > 0n && total < limit ? total : limit;
    quantities[name] = formatQuantity(chosen, name === "memory");
  }
  return { requests: quantities, limits: quantities };
}

/**
 * The installer asks to run as non-root. It runs as the pod's runAsUser when the pod sets one, so
 * a pod that runs as root (runAsUser: 0) would make the kubelet refuse it; it then gets the init
 * image's own non-root user explicitly.
 */
function userFor(pod: Pod, settings: MutationSettings): number | null {
  return pod.spec.securityContext?.runAsUser === 0 ? settings.installerUser : null;
}

/**
 * The installer's size from two lists like "cpu=10m,memory=16Mi" (requests, then limits), or why
 * they are wrong. Both resources are required in each, and no request may exceed its limit.
 */
export function parseInstallerResources(
  requests: string,
  limits: string,
): InstallerResources | string {
  const parsedRequests = parseCpuMemory(requests);
  if (typeof parsedRequests === "string") return `requests: ${parsedRequests}`;
  const parsedLimits = parseCpuMemory(limits);
  if (typeof parsedLimits === "string") return `limits: ${parsedLimits}`;
  for (const name of ["cpu", "memory"] as const) {
    if (parsedRequests.values[name] > parsedLimits.values[name])
      return `the ${name} request ${parsedRequests.texts[name]} is above its limit ${parsedLimits.texts[name]}`;
  }
  return Object.freeze({
    requirements: Object.freeze({ requests: parsedRequests.texts, limits: parsedLimits.texts }),
    cpuLimit: parsedLimits.values.cpu,
    memoryLimit: parsedLimits.values.memory,
  });
}

interface CpuMemory {
  readonly texts: Readonly<Record<"cpu" | "memory", string>>;
  readonly values: Readonly<Record<"cpu" | "memory", Nanos>>;
}

function parseCpuMemory(text: string): CpuMemory | string {
  const texts: Partial<Record<"cpu" | "memory", string>> = {};
  const values: Partial<Record<"cpu" | "memory", Nanos>> = {};
  for (const part of text.split(",")) {
    const [name = "", quantity = "", ...extra] = part.split("=").map(p => p.trim());
    const value = parseQuantity(quantity);
    if ((name !== "cpu" && name !== "memory") || extra.length > 0)
      return `'${part.trim()}' is not cpu=QUANTITY or memory=QUANTITY`;
    if (value === null || value <= 0n)
      return `'${quantity}' is not a quantity above zero like 10m or 16Mi`;
    texts[name] = quantity;
    values[name] = value;
  }
  if (
    texts.cpu === undefined ||
    texts.memory === undefined ||
    values.cpu === undefined ||
    values.memory === undefined
  )
    return `'${text}' must give both cpu and memory, like cpu=10m,memory=16Mi`;
  return {
    texts: { cpu: texts.cpu, memory: texts.memory },
    values: { cpu: values.cpu, memory: values.memory },
  };
}

/** The size the webhook uses when none is configured. */
export const DEFAULT_INSTALLER_RESOURCES: InstallerResources = (() => {
  const parsed = parseInstallerResources(DEFAULT_INSTALLER_REQUESTS, DEFAULT_INSTALLER_LIMITS);
  if (typeof parsed === "string") throw new Error(`the default installer size is wrong: ${parsed}`);
  return parsed;
})();
