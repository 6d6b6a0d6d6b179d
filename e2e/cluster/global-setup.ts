// Before the cluster suite: the node of the release PODINIT_K8S names, the images, podinit installed with its chart; the node is removed afterwards.
import type { TestProject } from "vitest/node";

import { busyboxImage } from "../harness/busybox-image.js";
import { buildPodinitImage, buildWebhookImage } from "../harness/project-images.js";
import { importImages, startCluster, stopCluster, type Cluster } from "./cluster.js";
import { hostState, type HostState } from "./host-state.js";
import { releaseByKey } from "./components.js";
import { installPodinit } from "./podinit-release.js";

export interface SuiteImages {
  readonly busybox: string;
  readonly webhook: string;
  readonly podinit: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    cluster: Cluster;
    images: SuiteImages;
    /** The host as it was before the node started. */
    hostBefore: HostState;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const release = releaseByKey(process.env["PODINIT_K8S"] ?? "");
  const images: SuiteImages = {
    busybox: await busyboxImage(),
    webhook: await buildWebhookImage(),
    podinit: await buildPodinitImage(),
  };
  const hostBefore = await hostState();
  const cluster = await startCluster(release);
  try {
    await importImages(cluster, [images.busybox]);
    await installPodinit(cluster, images);
  } catch (error) {
    await stopCluster(release);
    throw error;
  }
  project.provide("cluster", cluster);
  project.provide("images", images);
  project.provide("hostBefore", hostBefore);
  return async () => {
    // PODINIT_CLUSTER_KEEP=1 leaves the node up for a look afterwards (make cluster-down ends it).
    if (process.env["PODINIT_CLUSTER_KEEP"] !== "1") await stopCluster(release);
  };
}
