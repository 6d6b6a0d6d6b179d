// podinit installed on a test cluster the way users install it: its images in the node, `helm install` of charts/podinit with Helm 4.

import { join } from "node:path";

import type { ConfiguredMode } from "../../webhook/src/mutation/settings.js";
import { HarnessError } from "../../test/support/e2e/harness-error.js";
import type { ProcessResult } from "../../test/support/e2e/process-run.js";
import { CHART_DIR, RELEASE, RELEASE_NAMESPACE } from "../../test/support/e2e/chart-release.js";
import { busyboxImage } from "../../test/support/e2e/busybox-image.js";
import { debianImage } from "../../test/support/e2e/debian-image.js";
import { scratchAppImage } from "../../test/support/e2e/scratch-app-image.js";
import type { ScenarioImages } from "../stop-scenarios.js";
import { buildPodinitImage, buildWebhookImage } from "../../test/support/e2e/project-images.js";
import { importImages, startCluster, stopCluster, type Cluster } from "./cluster.js";
import { createNamespace } from "./cluster-pods.js";
import type { ClusterRelease } from "./components.js";
import { kubectlCommand } from "./kubectl.js";
import { kubeconfigPath } from "./node-config.js";
import { runInNode } from "./node-namespace.js";

export { RELEASE_NAMESPACE } from "../../test/support/e2e/chart-release.js";
/** The chart's Deployment: `<release>` when the release is named after the chart. */
export const WEBHOOK_DEPLOYMENT = RELEASE;

export interface PodinitImages {
  readonly webhook: string;
  readonly podinit: string;
}

/** podinit's images and the app images the scenarios, the demo and the benchmarks run. */
export interface ClusterImages extends PodinitImages, ScenarioImages {}

/** `localhost/podinit-e2e/x:tag` → the chart's repository and tag values. */
function splitReference(reference: string): { repository: string; tag: string } {
  const colon = reference.lastIndexOf(":");
  if (colon <= reference.lastIndexOf("/"))
    throw new HarnessError("ERR_INPUT_MISSING", `image ${reference} has no tag`);
  return { repository: reference.slice(0, colon), tag: reference.slice(colon + 1) };
}

/** Helm 4 against the cluster; its caches go to the node's HOME, in the cluster folder. */
export function helm(cluster: Cluster, args: readonly string[]): Promise<ProcessResult> {
  return runInNode(
    cluster.namespace,
    join(cluster.binaries.helm, "helm"),
    ["--kubeconfig", kubeconfigPath(cluster.dir, "admin"), ...args],
    { timeoutMs: 300_000 },
  );
}

/**
 * Imports the images and runs `helm upgrade --install` with the chart's defaults but for the
 * images (present in the node, never pulled), one replica (one node) and `values` (strings, as
 * `--set-string`). Resolves once the webhook's Deployment is available, as `--wait` judges it.
 * With injection.mode=auto Helm does not wait: it would also wait for the node probes, which never
 * become Ready on a node that cannot mount image volumes (that is how `auto` learns it); the
 * Deployment's rollout is waited for instead, as the README tells users to.
 */
export async function installPodinit(
  cluster: Cluster,
  images: PodinitImages,
  values: Readonly<Record<string, string>> = {},
): Promise<void> {
  await importImages(cluster, [images.webhook, images.podinit]);
  // The chart is meant to install where PodSecurity enforces `restricted`: its namespace does
  // here, so a pod of the chart that does not pass (the webhook's, auto's node probes) is refused.
  await createNamespace(cluster, RELEASE_NAMESPACE, {
    "pod-security.kubernetes.io/enforce": "restricted",
  });
  const webhook = splitReference(images.webhook);
  const podinit = splitReference(images.podinit);
  const settings: Record<string, string> = {
    "image.repository": webhook.repository,
    "image.tag": webhook.tag,
    "image.pullPolicy": "Never",
    "initImage.repository": podinit.repository,
    "initImage.tag": podinit.tag,
    "initImage.pullPolicy": "Never",
    ...values,
  };
  const result = await helm(cluster, [
    "upgrade",
    "--install",
    RELEASE,
    CHART_DIR,
    "--namespace",
    RELEASE_NAMESPACE,
    "--create-namespace",
    ...Object.entries(settings).flatMap(([key, value]) => ["--set-string", `${key}=${value}`]),
    "--set",
    "replicaCount=1",
    ...(values["injection.mode"] === "auto" ? [] : ["--wait", "--timeout", "240s"]),
  ]);
  if (result.exitCode !== 0) {
    throw new HarnessError(
      "ERR_COMMAND_FAILED",
      `helm install of ${CHART_DIR} failed: ${result.stderr.trim() || result.stdout.trim()}`,
    );
  }
  if (values["injection.mode"] === "auto") {
    const rollout = await runInNode(
      cluster.namespace,
      ...kubectlCommand(cluster, [
        "rollout",
        "status",
        `deployment/${WEBHOOK_DEPLOYMENT}`,
        "-n",
        RELEASE_NAMESPACE,
        "--timeout=240s",
      ]),
      { timeoutMs: 260_000 },
    );
    if (rollout.exitCode !== 0)
      throw new HarnessError(
        "ERR_COMMAND_FAILED",
        `the webhook's rollout did not finish: ${rollout.stderr.trim()}`,
      );
  }
}

/** Builds (or finds) the images with podman, on the host: before a node starts, not beside it. */
export async function clusterImages(): Promise<ClusterImages> {
  return {
    busybox: await busyboxImage(),
    scratchApp: await scratchAppImage(),
    debian: await debianImage(),
    webhook: await buildWebhookImage(),
    podinit: await buildPodinitImage(),
  };
}

/**
 * A fresh node of the release with podinit installed by its chart and the app images in it: what the cluster suite, the cluster demo and the cluster benchmarks start from.
 */
export async function clusterWithPodinit(
  release: ClusterRelease,
  images: ClusterImages,
  mode: ConfiguredMode = "initContainer",
): Promise<Cluster> {
  const cluster = await startCluster(release);
  try {
    await importImages(cluster, [images.busybox, images.scratchApp, images.debian]);
    await installPodinit(cluster, images, { "injection.mode": mode });
  } catch (error) {
    await stopCluster(release);
    throw error;
  }
  return cluster;
}
