// Reads Nodes and node-probe Pods, as the watch (JSON) or the list (the client's objects) gives them, into what `auto` needs.

import { isJsonObject, type JsonObject } from "../mutation/pod-types.js";
import type { NodeFact } from "./mode-choice.js";

const OS_LABEL = "kubernetes.io/os";

/** One node probe: Ready means podinit ran from an image volume of its image on that node. */
export interface ProbeFact {
  /** namespace/name: pods of two releases never collide. */
  readonly key: string;
  /** spec.nodeName; "" while unscheduled. */
  readonly node: string;
  readonly ready: boolean;
}

function field(object: JsonObject, key: string): JsonObject | null {
  const value = object[key];
  return isJsonObject(value) ? value : null;
}

/**
 * A Node, or null for anything that is not one. A node that states no OS counts as Linux: it must
 * prove itself like any other.
 */
export function readNode(object: unknown): NodeFact | null {
  if (!isJsonObject(object)) return null;
  const name = field(object, "metadata")?.["name"];
  if (typeof name !== "string" || name === "") return null;
  const label = field(field(object, "metadata") ?? {}, "labels")?.[OS_LABEL];
  const reported = field(field(object, "status") ?? {}, "nodeInfo")?.["operatingSystem"];
  const os = typeof label === "string" ? label : typeof reported === "string" ? reported : "linux";
  const spec = field(object, "spec");
  return {
    name,
    linux: os === "linux",
    schedulable: spec?.["unschedulable"] !== true && !hasDownTaint(spec?.["taints"]),
  };
}

/**
 * The node controller's taints on a node that stopped reporting: no new pod is scheduled there
 * (nor does its probe stay Ready), so it needs no proof until it is back.
 */
const DOWN_TAINTS: ReadonlySet<string> = new Set([
  "node.kubernetes.io/not-ready",
  "node.kubernetes.io/unreachable",
]);

function hasDownTaint(taints: unknown): boolean {
  return (
    Array.isArray(taints) &&
    taints.some(
      t =>
        isJsonObject(t) &&
        typeof t["key"] === "string" &&
        DOWN_TAINTS.has(t["key"]) &&
        t["effect"] === "NoSchedule",
    )
  );
}

/**
 * A probe pod, or null. Not Ready while it is being deleted: a probe of an old release or on a
 * drained node proves nothing about the pods that come next.
 */
export function readProbePod(object: unknown): ProbeFact | null {
  if (!isJsonObject(object)) return null;
  const metadata = field(object, "metadata");
  const name = metadata?.["name"];
  const namespace = metadata?.["namespace"];
  if (typeof name !== "string" || typeof namespace !== "string") return null;
  const nodeName = field(object, "spec")?.["nodeName"];
  const deleting = metadata?.["deletionTimestamp"];
  const conditions = field(object, "status")?.["conditions"];
  const ready =
    (deleting === undefined || deleting === null) &&
    Array.isArray(conditions) &&
    conditions.some(c => isJsonObject(c) && c["type"] === "Ready" && c["status"] === "True");
  return { key: `${namespace}/${name}`, node: typeof nodeName === "string" ? nodeName : "", ready };
}

/** The nodes with at least one Ready probe. */
export function provenNodes(probes: Iterable<ProbeFact>): ReadonlySet<string> {
  const proven = new Set<string>();
  for (const probe of probes) if (probe.ready && probe.node !== "") proven.add(probe.node);
  return proven;
}
