// Before the cluster suite: the node PODINIT_K8S names with podinit installed by its chart (PODINIT_INJECTION_MODE: initContainer by default, imageVolume or auto); the node is removed afterwards.
import type { TestProject } from "vitest/node";

import { prepareNode, stopCluster, type Cluster } from "./cluster.js";
import { releaseByKey } from "./components.js";
import { hostState, type HostState } from "./host-state.js";
import { clusterImages, clusterWithPodinit, type ClusterImages } from "./podinit-release.js";
import {
  CONFIGURED_MODES,
  type ConfiguredMode,
  type InjectionMode,
} from "../../webhook/src/mutation/settings.js";
import { observedAutoMode } from "./auto-mode.js";

declare module "vitest" {
  export interface ProvidedContext {
    cluster: Cluster;
    images: ClusterImages;
    /** The host as it was before the node started. */
    hostBefore: HostState;
    /** How podinit is brought into pods: as the chart was told, or what `auto` chose. */
    mode: InjectionMode;
    /** The chart's injection.mode. */
    configuredMode: ConfiguredMode;
  }
}

function injectionMode(): ConfiguredMode {
  const mode = process.env["PODINIT_INJECTION_MODE"] ?? "initContainer";
  const known = CONFIGURED_MODES.find(m => m === mode);
  if (known === undefined)
    throw new Error(`PODINIT_INJECTION_MODE=${mode}: use one of ${CONFIGURED_MODES.join(", ")}`);
  return known;
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const release = releaseByKey(process.env["PODINIT_K8S"] ?? "");
  // Image builds (podman changes the host's firewall and /run) and a first build of the node's
  // binaries (the Go caches in HOME) are the host's own business: they come before the snapshot.
  const images = await clusterImages();
  await prepareNode(release);
  const hostBefore = await hostState();
  const configuredMode = injectionMode();
  const cluster = await clusterWithPodinit(release, images, configuredMode);
  // What auto chose is found out as a user would (a new pod's status), not assumed: the auto
  // suite (auto-mode.test.ts) checks it against what the node can really do.
  const mode =
    configuredMode === "auto"
      ? await observedAutoMode(cluster).catch(async (error: unknown) => {
          await stopCluster(release);
          throw error;
        })
      : configuredMode;
  project.provide("cluster", cluster);
  project.provide("images", images);
  project.provide("hostBefore", hostBefore);
  project.provide("mode", mode);
  project.provide("configuredMode", configuredMode);
  return async () => {
    // PODINIT_CLUSTER_KEEP=1 leaves the node up for a look afterwards (make cluster-down ends it).
    if (process.env["PODINIT_CLUSTER_KEEP"] !== "1") await stopCluster(release);
  };
}
