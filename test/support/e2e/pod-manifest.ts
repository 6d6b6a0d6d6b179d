// The few Pod fields the harness reads, and the one change it makes before `podman kube play`.

export interface ContainerManifest {
  readonly name: string;
  readonly image?: string;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly [field: string]: unknown;
}

export interface PodManifest {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata: { readonly name: string; readonly [field: string]: unknown };
  readonly spec: {
    readonly containers: readonly ContainerManifest[];
    readonly initContainers?: readonly ContainerManifest[];
    readonly terminationGracePeriodSeconds?: number;
    readonly restartPolicy?: string;
    readonly [field: string]: unknown;
  };
  readonly [field: string]: unknown;
}

/** Kubernetes' default when the pod does not set one. */
export const DEFAULT_GRACE_SECONDS = 30;

export function graceSecondsOf(pod: PodManifest): number {
  return pod.spec.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS;
}

// podman 4.3 applies the 63-character limit of label values to annotations too and refuses the
// pod; Kubernetes has no such limit. Nothing at run time reads annotations, so long ones are left out.
const PODMAN_ANNOTATION_MAX = 63;

function annotationsPodmanAccepts(metadata: PodManifest["metadata"]): PodManifest["metadata"] {
  const annotations = metadata["annotations"] as Readonly<Record<string, string>> | undefined;
  if (annotations === undefined) return metadata;
  const kept = Object.entries(annotations).filter(([, v]) => v.length <= PODMAN_ANNOTATION_MAX);
  return { ...metadata, annotations: Object.fromEntries(kept) };
}

/**
 * The pod as podman must get it. podman restarts a killed container whose policy is Always (the
 * Kubernetes default), while the kubelet never restarts a pod it is deleting; Never keeps a
 * stopped container stopped for measuring.
 */
export function forPodman(pod: PodManifest): PodManifest {
  const copy = structuredClone(pod);
  return {
    apiVersion: "v1",
    kind: "Pod",
    ...copy,
    metadata: annotationsPodmanAccepts(copy.metadata),
    spec: { ...copy.spec, restartPolicy: "Never" },
  };
}
