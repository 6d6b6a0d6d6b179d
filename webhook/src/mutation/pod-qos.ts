// A pod's QoS class, worked out as the API server does when it admits the pod.
//
// Kubernetes' ComputePodQOS (pkg/apis/core/v1/helper/qos): with pod-level resources set, they
// alone decide; otherwise every container, init containers included, is BestEffort (no cpu or
// memory request or limit), Guaranteed (cpu and memory requests equal their non-zero limits) or
// Burstable, and the pod is Guaranteed or BestEffort only when all its containers are.
import { isJsonObject, type Pod, type ResourceRequirements } from "./pod-types.js";
import { parseQuantity, type Nanos } from "./quantity.js";

export type QosClass = "Guaranteed" | "Burstable" | "BestEffort";

/** The resources that decide the class; others (ephemeral-storage, GPUs) never do. */
const QOS_RESOURCES = ["cpu", "memory"] as const;

export function podQosClass(pod: Pod): QosClass {
  const spec = pod.spec;
  if (hasPodLevelResources(spec.resources)) return requirementsQos(spec.resources);
  // Two plain loops: this runs on every review, and a merged array would be garbage each time.
  let podClass: QosClass | null = null;
  for (const list of [spec.initContainers, spec.containers]) {
    for (const container of list ?? []) {
      const own = requirementsQos(container.resources);
      if (own === "Burstable") return own;
      if (podClass === null) podClass = own;
      else if (podClass !== own) return "Burstable";
    }
  }
  return podClass ?? "BestEffort";
}

/** Pod-level resources count when they name a cpu or memory request or limit. */
export function hasPodLevelResources(resources: unknown): resources is ResourceRequirements {
  if (!isJsonObject(resources)) return false;
  return QOS_RESOURCES.some(
    name =>
      quantityOf(resources["requests"], name) !== null ||
      quantityOf(resources["limits"], name) !== null,
  );
}

function requirementsQos(resources: ResourceRequirements | undefined): QosClass {
  let found: QosClass | null = null;
  for (const name of QOS_RESOURCES) {
    const request = quantityOf(resources?.requests, name) ?? 0n;
    const limit = quantityOf(resources?.limits, name) ?? 0n;
    const own: QosClass =
      request !== limit ? "Burstable" : request === 0n ? "BestEffort" : "Guaranteed";
    if (own === "Burstable") return own;
    if (found === null) found = own;
    else if (found !== own) return "Burstable";
  }
  return found ?? "BestEffort";
}

/** The named quantity of a requests or limits map; null when absent or not a quantity. */
export function quantityOf(list: unknown, name: string): Nanos | null {
  return isJsonObject(list) ? valueOf(list[name]) : null;
}

/**
 * Every quantity of a requests or limits map (or a LimitRange's min, max, …), and the first
 * entry that is no quantity, as `name 'text'`, or null when all are.
 */
export function quantitiesOf(list: unknown): {
  readonly values: Map<string, Nanos>;
  readonly unreadable: string | null;
} {
  const values = new Map<string, Nanos>();
  let unreadable: string | null = null;
  if (!isJsonObject(list)) return { values, unreadable };
  for (const [name, text] of Object.entries(list)) {
    const value = valueOf(text);
    if (value !== null) values.set(name, value);
    else unreadable ??= `${name} '${String(text)}'`;
  }
  return { values, unreadable };
}

function valueOf(text: unknown): Nanos | null {
  if (typeof text === "string") return parseQuantity(text);
  return typeof text === "number" ? parseQuantity(String(text)) : null;
}
