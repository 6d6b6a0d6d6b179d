// Decides `auto` mode: imageVolume only where the API server admits image volumes and every node proved it mounts them.

import type { InjectionMode } from "../mutation/settings.js";

/** major.minor of the API server, from /version's gitVersion. */
export interface ServerVersion {
  readonly major: number;
  readonly minor: number;
  /** As the server gave it, for messages: v1.37.2, v1.35.0-eks-1a2b3c. */
  readonly text: string;
}

/**
 * Image volumes are on by default from 1.35 (beta) and GA in 1.36. Before, the field is dropped
 * by an API server whose gate is off, and the pod is rejected for a volume without a source.
 */
export const IMAGE_VOLUMES_SINCE = Object.freeze({ major: 1, minor: 35 });

/** What the webhook knows about one node, read from its Node object. */
export interface NodeFact {
  readonly name: string;
  /** kubernetes.io/os, else status.nodeInfo.operatingSystem; podinit injects Linux pods only. */
  readonly linux: boolean;
  /** Not cordoned nor tainted as down: a node that gets no new pods needs no proof. */
  readonly schedulable: boolean;
}

/** What the webhook knows about the cluster when it chooses. */
export interface ClusterFacts {
  /** null until /version has answered. */
  readonly server: ServerVersion | null;
  /** null until the first list of nodes (and of probe pods) has arrived. */
  readonly nodes: Iterable<NodeFact> | null;
  /** Nodes where a node probe, running podinit from an image volume, is Ready. */
  readonly proven: ReadonlySet<string>;
}

export type ModeReason =
  | "server-version-unknown"
  | "server-too-old"
  | "nodes-unknown"
  | "no-linux-nodes"
  | "node-unproven"
  | "every-node-proven";

export interface ModeChoice {
  readonly mode: InjectionMode;
  readonly reason: ModeReason;
  /** For the log line: the version, the first unproven node and how many. */
  readonly detail: string;
}

/** Whether the API server accepts `volumes[].image`: true, false, or null while unknown. */
export function admitsImageVolumes(server: ServerVersion | null): boolean | null {
  if (server === null) return null;
  const { major, minor } = IMAGE_VOLUMES_SINCE;
  return server.major > major || (server.major === major && server.minor >= minor);
}

/**
 * imageVolume only on proof: a version string says nothing about the runtime (containerd 1.x
 * admits the pod and fails it at container creation, for good), and a node without a Ready probe
 * may be such a node, so one is enough to keep every new pod on init containers. Windows nodes
 * never run injected pods; virtual nodes (virtual-kubelet, Fargate) run no DaemonSet, so they
 * stay unproven and keep the cluster on init containers.
 */
export function chooseMode(facts: ClusterFacts): ModeChoice {
  const admits = admitsImageVolumes(facts.server);
  if (admits === null)
    return initContainer("server-version-unknown", "the API server's version is not known yet");
  if (!admits)
    return initContainer(
      "server-too-old",
      `the API server is ${facts.server?.text ?? ""}; image volumes need ${IMAGE_VOLUMES_SINCE.major}.${IMAGE_VOLUMES_SINCE.minor}`,
    );
  if (facts.nodes === null) return initContainer("nodes-unknown", "nodes not listed yet");
  let needed = 0;
  const unproven: string[] = [];
  for (const node of facts.nodes) {
    if (!node.linux || !node.schedulable) continue;
    needed++;
    if (!facts.proven.has(node.name)) unproven.push(node.name);
  }
  if (needed === 0) return initContainer("no-linux-nodes", "no schedulable Linux node to prove");
  if (unproven.length > 0) {
    unproven.sort();
    const more = unproven.length > 1 ? ` and ${unproven.length - 1} more` : "";
    return initContainer(
      "node-unproven",
      `no Ready node probe on ${unproven[0] ?? ""}${more} (of ${needed} nodes)`,
    );
  }
  return {
    mode: "imageVolume",
    reason: "every-node-proven",
    detail: `a Ready node probe on each of ${needed} nodes`,
  };
}

function initContainer(reason: ModeReason, detail: string): ModeChoice {
  return { mode: "initContainer", reason, detail };
}

/**
 * The API server's gitVersion as major.minor, or null: `v1.37.2`, `v1.35.0-eks-1a2b3c`,
 * `v1.36.1+k3s1` and `v1.35.0-gke.1234` all count; anything else is unknown.
 */
export function parseServerVersion(gitVersion: string): ServerVersion | null {
  const match = /^v?(\d{1,4})\.(\d{1,4})(?:[.+-]|$)/.exec(gitVersion.trim());
  if (match === null) return null;
  return { major: Number(match[1]), minor: Number(match[2]), text: gitVersion.trim() };
}
