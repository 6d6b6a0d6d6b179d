// The namespaces and pods every real-cluster test file starts from: one opted in, one not, pods that only use the imported images.

import { inject } from "vitest";

import type { PodManifest } from "../../test/support/e2e/pod-manifest.js";
import type { SimplePodOptions } from "../../test/support/e2e/simple-pod.js";
import { createNamespace, nodeImagePod } from "./cluster-pods.js";

export const INJECTED = "podinit-on";
export const UNLABELLED = "podinit-off";
export const INJECT_LABEL = { "podinit.dev/inject": "enabled" } as const;

export async function createSuiteNamespaces(): Promise<void> {
  const cluster = inject("cluster");
  await createNamespace(cluster, INJECTED, INJECT_LABEL);
  await createNamespace(cluster, UNLABELLED);
}

/** A busybox pod whose image is in the node already (pull policy Never). */
export function busyboxPod(
  name: string,
  namespace: string,
  options: Omit<SimplePodOptions, "image">,
): PodManifest {
  return nodeImagePod(inject("images").busybox, name, namespace, options);
}
