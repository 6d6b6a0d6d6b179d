// Builds the one-container Pod manifests most scenarios use, so a test states only what it varies.

import type { ContainerManifest, PodManifest } from "./pod-manifest.js";

export interface SimplePodOptions {
  readonly image: string;
  /** Left out, the image's ENTRYPOINT runs, as in Kubernetes. */
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly graceSeconds?: number;
  /** Extra fields for the app container (volumeMounts, securityContext …). */
  readonly container?: Omit<ContainerManifest, "name">;
  readonly initContainers?: readonly ContainerManifest[];
  readonly volumes?: readonly unknown[];
}

export const APP_CONTAINER = "app";

export function simplePod(name: string, options: SimplePodOptions): PodManifest {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name },
    spec: {
      ...(options.graceSeconds === undefined
        ? {}
        : { terminationGracePeriodSeconds: options.graceSeconds }),
      ...(options.initContainers === undefined ? {} : { initContainers: options.initContainers }),
      ...(options.volumes === undefined ? {} : { volumes: options.volumes }),
      containers: [
        {
          ...options.container,
          name: APP_CONTAINER,
          image: options.image,
          ...(options.command === undefined ? {} : { command: options.command }),
          ...(options.args === undefined ? {} : { args: options.args }),
        },
      ],
    },
  };
}
