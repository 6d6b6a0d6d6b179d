// The installer's resources and user for one pod, chosen so the pod's QoS class and startability stay as they were.

import { fitLimitRanges, NO_LIMIT_RANGES, type NamespaceLimits } from "./limit-ranges.js";
import { allContainers } from "./pod-skip.js";
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
  /** Why the pod cannot have an installer without breaking its namespace's LimitRanges, or null. */
  readonly problem: string | null;
  /** The pod's QoS class before injection, and after it. */
  readonly qos: QosClass;
  /** null: the installer sets no resources (BestEffort pods, pods with pod-level resources). */
  readonly resources: ResourceRequirements | null;
  /** null: no runAsUser, the image's USER applies (and OpenShift may assign one). */
  readonly runAsUser: number | null;
}

export function fitInstaller(
  pod: Pod,
  settings: MutationSettings,
  limits: NamespaceLimits = NO_LIMIT_RANGES,
): InstallerFit {
  const qos = podQosClass(pod);
  const runAsUser = userFor(pod, settings);
  const wanted = resourcesFor(pod, qos, settings.installerResources);
  if (limits === "unknown") return { qos, resources: wanted, runAsUser, problem: NOT_LISTED_YET };
  const fitted = fitLimitRanges(wanted, qos === "Guaranteed", limits, pod);
  if (!fitted.ok)
    return {
      qos,
      resources: wanted,
      runAsUser,
      problem: `podinit-install would break ${fitted.problem}`,
    };
  return { qos, resources: fitted.resources, runAsUser, problem: null };
}

const NOT_LISTED_YET =
  "the namespace's LimitRanges are not known yet (the webhook has not listed them since it started), and podinit-install could break one";

/**
 * Kubernetes counts init containers in the QoS class, so the installer's resources follow the
 * class: none for BestEffort, requests equal to limits for Guaranteed, the configured size for
 * Burstable. With pod-level resources the containers share the pod's budget and need none. The
 * installer never asks more than the pod's containers (and native sidecars) ask together, so
 * the pod's effective request, what the scheduler and a ResourceQuota count, never grows; in a
 * Burstable pod a resource the containers leave unset is left unset by the installer too.
 */
function resourcesFor(
  pod: Pod,
  qos: QosClass,
  size: InstallerResources,
): ResourceRequirements | null {
  if (hasPodLevelResources(pod.spec.resources)) return podLevelSize(pod, pod.spec.resources, size);
  if (qos === "BestEffort") return null;
  const cpu = sizeFor(pod, qos, "cpu", size.cpuRequest, size.cpuLimit);
  const memory = sizeFor(pod, qos, "memory", size.memoryRequest, size.memoryLimit);
  // Most Burstable pods ask more than the installer: they all share one frozen object.
  const asDefault =
    cpu?.request === size.cpuRequest &&
    cpu.limit === size.cpuLimit &&
    memory?.request === size.memoryRequest &&
    memory.limit === size.memoryLimit;
  if (qos === "Burstable" && asDefault) return size.requirements;
  const requests: Record<string, string> = {};
  const limits: Record<string, string> = {};
  if (cpu !== null) {
    requests["cpu"] = formatQuantity(cpu.request, false);
    limits["cpu"] = formatQuantity(cpu.limit, false);
  }
  if (memory !== null) {
    requests["memory"] = formatQuantity(memory.request, true);
    limits["memory"] = formatQuantity(memory.limit, true);
  }
  return { requests, limits };
}

/** The installer's size for one resource, from what the containers and native sidecars ask. */
function sizeFor(
  pod: Pod,
  qos: QosClass,
  name: "cpu" | "memory",
  ownRequest: Nanos,
  ownLimit: Nanos,
): Size | null {
  let request = 0n;
  let limit = 0n;
  for (const list of [pod.spec.containers, pod.spec.initContainers]) {
    for (const c of list ?? []) {
      if (list === pod.spec.initContainers && c.restartPolicy !== "Always") continue;
      request += quantityOf(c.resources?.requests, name) ?? 0n;
      limit += quantityOf(c.resources?.limits, name) ?? 0n;
    }
  }
  const pods = { request, limit };
  const own = { request: ownRequest, limit: ownLimit };
  return qos === "Guaranteed" ? guaranteedSize(pods, own) : burstableSize(pods, own);
}

interface Size {
  readonly request: Nanos;
  readonly limit: Nanos;
}

/**
 * With pod-level resources the containers share the pod's budget, and Kubernetes validates that
 * their requests and limits fit under the pod's. It also fills in pod-level limits from the
 * containers' only when every container has one (1.37), which decides the QoS class. So the
 * installer sets a resource exactly where every container of the pod sets it, within the pod's
 * own values: it then changes neither the defaulting nor the validation.
 */
function podLevelSize(
  pod: Pod,
  podLevel: ResourceRequirements,
  size: InstallerResources,
): ResourceRequirements | null {
  const all = allContainers(pod);
  const everyOneSets = (list: "requests" | "limits", name: string): boolean =>
    all.every(c => (quantityOf(c.resources?.[list], name) ?? 0n) > 0n);
  const requests: Record<string, string> = {};
  const limits: Record<string, string> = {};
  for (const [name, own] of [
    ["cpu", { request: size.cpuRequest, limit: size.cpuLimit }],
    ["memory", { request: size.memoryRequest, limit: size.memoryLimit }],
  ] as const) {
    const podLimit = quantityOf(podLevel.limits, name);
    const podRequest = quantityOf(podLevel.requests, name) ?? podLimit;
    let request: Nanos | null = null;
    if (everyOneSets("requests", name)) {
      request = podRequest !== null && podRequest < own.request ? podRequest : own.request;
      requests[name] = formatQuantity(request, name === "memory");
    }
    if (everyOneSets("limits", name)) {
      let limit = podLimit !== null && podLimit < own.limit ? podLimit : own.limit;
      if (request !== null && limit < request) limit = request;
      limits[name] = formatQuantity(limit, name === "memory");
    }
  }
  const none = Object.keys(requests).length === 0 && Object.keys(limits).length === 0;
  return none ? null : { requests, limits };
}

/** The containers' total, up to the installer's own limit, as both request and limit. */
function guaranteedSize(pods: Size, own: Size): Size {
  const both = pods.request > 0n && pods.request < own.limit ? pods.request : own.limit;
  return { request: both, limit: both };
}

/** The installer's own size, each side capped by the containers' total; null when they set none. */
function burstableSize(pods: Size, own: Size): Size | null {
  if (pods.request === 0n && pods.limit === 0n) return null;
  const request = pods.request > 0n && pods.request < own.request ? pods.request : own.request;
  const limit = pods.limit > 0n && pods.limit < own.limit ? pods.limit : own.limit;
  return { request, limit: limit < request ? request : limit };
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
    cpuRequest: parsedRequests.values.cpu,
    memoryRequest: parsedRequests.values.memory,
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
