// Before the cluster suite: the node of the release PODINIT_K8S names with podinit installed by its chart; the node is removed afterwards.
import type { TestProject } from "vitest/node";

import { prepareNode, stopCluster, type Cluster } from "./cluster.js";
import { releaseByKey } from "./components.js";
import { hostState, type HostState } from "./host-state.js";
import { clusterImages, clusterWithPodinit, type ClusterImages } from "./podinit-release.js";

declare module "vitest" {
  export interface ProvidedContext {
    cluster: Cluster;
    images: ClusterImages;
    /** The host as it was before the node started. */
    hostBefore: HostState;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const release = releaseByKey(process.env["PODINIT_K8S"] ?? "");
  // Image builds (podman changes the host's firewall and /run) and a first build of the node's
  // binaries (the Go caches in HOME) are the host's own business: they come before the snapshot.
  const images = await clusterImages();
  await prepareNode(release);
  const hostBefore = await hostState();
  const cluster = await clusterWithPodinit(release, images);
  project.provide("cluster", cluster);
  project.provide("images", images);
  project.provide("hostBefore", hostBefore);
  return async () => {
    // PODINIT_CLUSTER_KEEP=1 leaves the node up for a look afterwards (make cluster-down ends it).
    if (process.env["PODINIT_CLUSTER_KEEP"] !== "1") await stopCluster(release);
  };
}
