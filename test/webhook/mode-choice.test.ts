// `auto`: imageVolume only when the API server admits image volumes and every schedulable Linux node proved it runs podinit from one.
// The client's own deserializer: what its list calls return (model classes, Dates), which its
// public loadYaml does not produce.
import { ObjectSerializer } from "@kubernetes/client-node/dist/gen/models/ObjectSerializer.js";
import { describe, expect, it } from "vitest";
import { provenNodes, readNode, readProbePod } from "../../webhook/src/mode/cluster-objects.js";
import {
  chooseMode,
  parseServerVersion,
  type ClusterFacts,
  type NodeFact,
} from "../../webhook/src/mode/mode-choice.js";
import { readNamespaceMode } from "../../webhook/src/mode/namespace-mode.js";

const V1_37 = parseServerVersion("v1.37.2");

function node(name: string, labels: Record<string, string> = {}, spec: object = {}): object {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, labels: { "kubernetes.io/os": "linux", ...labels } },
    spec,
    status: { nodeInfo: { operatingSystem: labels["kubernetes.io/os"] ?? "linux" } },
  };
}

function probe(name: string, nodeName: string, ready: boolean, metadata: object = {}): object {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "podinit-system", ...metadata },
    spec: { nodeName, containers: [{ name: "probe", image: "podinit/podinit" }] },
    status: {
      phase: "Running",
      conditions: [
        { type: "PodScheduled", status: "True" },
        { type: "Ready", status: ready ? "True" : "False" },
      ],
    },
  };
}

/** What the webhook's watches hold, fed the objects the API server sends. */
function cluster(
  nodes: readonly object[],
  probes: readonly object[],
  server = V1_37,
): ClusterFacts {
  const facts = nodes.map(readNode).filter((n): n is NodeFact => n !== null);
  const probed = probes.map(readProbePod).filter(p => p !== null);
  return { server, nodes: facts, proven: provenNodes(probed) };
}

describe("chooseMode (auto)", () => {
  it("mounts podinit from its image once every Linux node has a Ready probe", () => {
    const choice = chooseMode(
      cluster([node("a"), node("b")], [probe("p1", "a", true), probe("p2", "b", true)]),
    );
    expect(choice).toMatchObject({ mode: "imageVolume", reason: "every-node-proven" });
  });

  it("keeps init containers while one node's probe is not Ready (the runtime cannot mount the image)", () => {
    const choice = chooseMode(
      cluster([node("a"), node("b")], [probe("p1", "a", true), probe("p2", "b", false)]),
    );
    expect(choice).toMatchObject({ mode: "initContainer", reason: "node-unproven" });
    expect(choice.detail).toContain("b");
  });

  it("follows a node joining without proof, then proving itself, then leaving", () => {
    const nodes = [node("a"), node("b")];
    const probes = [probe("p1", "a", true), probe("p2", "b", true)];
    expect(chooseMode(cluster(nodes, probes)).mode).toBe("imageVolume");
    const joined = [...nodes, node("c")];
    expect(chooseMode(cluster(joined, probes))).toMatchObject({
      mode: "initContainer",
      detail: expect.stringContaining("c") as unknown,
    });
    expect(chooseMode(cluster(joined, [...probes, probe("p3", "c", false)])).mode).toBe(
      "initContainer",
    );
    expect(chooseMode(cluster(joined, [...probes, probe("p3", "c", true)])).mode).toBe(
      "imageVolume",
    );
    expect(chooseMode(cluster(nodes, probes)).mode).toBe("imageVolume");
  });

  it("needs no proof from Windows nodes, whose pods podinit never injects", () => {
    const nodes = [node("a"), node("win", { "kubernetes.io/os": "windows" })];
    expect(chooseMode(cluster(nodes, [probe("p1", "a", true)])).mode).toBe("imageVolume");
  });

  it("needs proof from a virtual node too: it runs no DaemonSet, so the cluster keeps init containers", () => {
    const virtual = node(
      "virtual-kubelet",
      { type: "virtual-kubelet" },
      { taints: [{ key: "virtual-kubelet.io/provider", value: "azure", effect: "NoSchedule" }] },
    );
    const choice = chooseMode(cluster([node("a"), virtual], [probe("p1", "a", true)]));
    expect(choice).toMatchObject({ mode: "initContainer", reason: "node-unproven" });
  });

  it("needs no proof from a cordoned node, which gets no new pods", () => {
    const cordoned = node("old", {}, { unschedulable: true });
    expect(chooseMode(cluster([node("a"), cordoned], [probe("p1", "a", true)])).mode).toBe(
      "imageVolume",
    );
  });

  it("needs no proof from a node the node controller marked not-ready or unreachable, which gets no new pods", () => {
    const down = (key: string) => node("down", {}, { taints: [{ key, effect: "NoSchedule" }] });
    for (const key of ["node.kubernetes.io/unreachable", "node.kubernetes.io/not-ready"])
      expect(chooseMode(cluster([node("a"), down(key)], [probe("p1", "a", true)])).mode).toBe(
        "imageVolume",
      );
    const dedicated = node("gpu", {}, { taints: [{ key: "gpu", effect: "NoSchedule" }] });
    expect(chooseMode(cluster([node("a"), dedicated], [probe("p1", "a", true)])).mode).toBe(
      "initContainer",
    );
  });

  it("does not count a probe that is being deleted, or one not yet on a node", () => {
    const deleting = probe("p1", "a", true, { deletionTimestamp: "2026-12-05T08:00:00Z" });
    expect(chooseMode(cluster([node("a")], [deleting])).mode).toBe("initContainer");
    expect(chooseMode(cluster([node("a")], [probe("p1", "", true)])).mode).toBe("initContainer");
  });

  it("proves nothing with no Linux node at all", () => {
    expect(chooseMode(cluster([], []))).toMatchObject({
      mode: "initContainer",
      reason: "no-linux-nodes",
    });
  });

  it.each(["v1.34.2", "v1.33.0", "v0.99.0"])(
    "keeps init containers on an API server %s, which rejects image volumes, whatever the nodes show",
    version => {
      const facts = cluster([node("a")], [probe("p1", "a", true)], parseServerVersion(version));
      expect(chooseMode(facts)).toMatchObject({ mode: "initContainer", reason: "server-too-old" });
    },
  );

  it.each(["v1.35.0", "v1.36.1+k3s1", "v1.35.3-eks-1a2b3c4", "v1.37.0-gke.1234000", "v2.0.0"])(
    "accepts an API server %s",
    version => {
      const facts = cluster([node("a")], [probe("p1", "a", true)], parseServerVersion(version));
      expect(chooseMode(facts).mode).toBe("imageVolume");
    },
  );

  it("keeps init containers until the server's version and the nodes are known", () => {
    const facts = cluster([node("a")], [probe("p1", "a", true)]);
    expect(chooseMode({ ...facts, server: null }).reason).toBe("server-version-unknown");
    expect(chooseMode({ ...facts, nodes: null }).reason).toBe("nodes-unknown");
  });

  it.each(["", "1", "latest", "vX.Y"])("reads no version from gitVersion %j", text => {
    expect(parseServerVersion(text)).toBeNull();
  });
});

describe("reading the objects the API server sends", () => {
  it("reads a Node and a probe Pod from the list (the client's typed objects) as from the watch", () => {
    const rawNode = node("a", {}, { unschedulable: true });
    const rawProbe = probe("p1", "a", true);
    const typedNode: unknown = ObjectSerializer.deserialize(rawNode, "V1Node", "");
    const typedProbe: unknown = ObjectSerializer.deserialize(rawProbe, "V1Pod", "");
    expect((typedProbe as object).constructor.name).toBe("V1Pod");
    expect(readNode(typedNode)).toEqual(readNode(rawNode));
    expect(readNode(rawNode)).toEqual({ name: "a", linux: true, schedulable: false });
    expect(readProbePod(typedProbe)).toEqual(readProbePod(rawProbe));
    expect(readProbePod(rawProbe)).toEqual({ key: "podinit-system/p1", node: "a", ready: true });
    const deleting = probe("p1", "a", true, { deletionTimestamp: "2026-12-05T08:00:00Z" });
    const typedDeleting = ObjectSerializer.deserialize(deleting, "V1Pod", "") as {
      metadata: { deletionTimestamp: unknown };
    };
    expect(typedDeleting.metadata.deletionTimestamp).toBeInstanceOf(Date);
    expect(readProbePod(typedDeleting)?.ready).toBe(false);
  });

  it("takes the OS from the node's report when the label is missing", () => {
    const unlabelled = {
      metadata: { name: "w" },
      status: { nodeInfo: { operatingSystem: "windows" } },
    };
    expect(readNode(unlabelled)?.linux).toBe(false);
  });

  it("reads a namespace's podinit.dev/mode; auto and unset are no override, anything else is reported", () => {
    const ns = (value?: string) => ({
      metadata: {
        name: "team-a",
        ...(value === undefined ? {} : { annotations: { "podinit.dev/mode": value } }),
      },
    });
    expect(readNamespaceMode(ns("imageVolume"))).toEqual({
      name: "team-a",
      mode: "imageVolume",
      invalid: null,
    });
    expect(readNamespaceMode(ns(" initContainer "))?.mode).toBe("initContainer");
    expect(readNamespaceMode(ns("auto"))).toEqual({ name: "team-a", mode: null, invalid: null });
    expect(readNamespaceMode(ns())).toEqual({ name: "team-a", mode: null, invalid: null });
    expect(readNamespaceMode(ns("image-volume"))).toEqual({
      name: "team-a",
      mode: null,
      invalid: "image-volume",
    });
  });
});
