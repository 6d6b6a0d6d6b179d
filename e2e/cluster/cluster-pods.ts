// Pods on a test cluster as a user handles them: kubectl create, wait for Ready, exec, discard; `kubectl delete pod` timed is in pod-deletion.ts.

import { setTimeout as sleep } from "node:timers/promises";

import { HarnessError } from "../../test/support/e2e/harness-error.js";
import type { PodManifest } from "../../test/support/e2e/pod-manifest.js";
import { simplePod, type SimplePodOptions } from "../../test/support/e2e/simple-pod.js";
import type { Cluster } from "./cluster.js";
import { kubectl, kubectlOk } from "./kubectl.js";

/** A pod as the API server returns it: the fields the suites read. */
export interface LivePod {
  readonly metadata: {
    readonly name: string;
    readonly namespace: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
  };
  readonly spec: {
    readonly containers: readonly { name: string; command?: string[]; args?: string[] }[];
    readonly initContainers?: readonly { name: string; restartPolicy?: string }[];
  };
  readonly status?: {
    readonly phase?: string;
    readonly qosClass?: string;
    readonly conditions?: readonly { readonly type: string; readonly status: string }[];
    readonly containerStatuses?: readonly ContainerStatus[];
    readonly initContainerStatuses?: readonly ContainerStatus[];
  };
}

export interface ContainerStatus {
  readonly name: string;
  /** `containerd://<id>` once the container was created. */
  readonly containerID?: string;
  readonly state?: {
    readonly terminated?: { readonly exitCode: number; readonly reason?: string };
    readonly waiting?: { readonly reason?: string; readonly message?: string };
    readonly running?: unknown;
  };
}

export function withNamespace(pod: PodManifest, namespace: string): PodManifest {
  return { ...pod, metadata: { ...pod.metadata, namespace } };
}

/** A one-container pod in `namespace` whose image was imported into the node (pull policy Never). */
export function nodeImagePod(
  image: string,
  name: string,
  namespace: string,
  options: Omit<SimplePodOptions, "image">,
): PodManifest {
  const pod = simplePod(name, {
    ...options,
    image,
    container: { imagePullPolicy: "Never", ...options.container },
  });
  return withNamespace(pod, namespace);
}

/**
 * `kubectl create` (with `flags` such as `--as`); the API server's refusal (admission, quota,
 * LimitRange) is thrown with its message.
 */
export async function createPod(
  cluster: Cluster,
  pod: PodManifest,
  flags: readonly string[] = [],
): Promise<LivePod> {
  const stdout = await kubectlOk(cluster, ["create", "-o", "json", ...flags, "-f", "-"], {
    input: JSON.stringify({ apiVersion: "v1", kind: "Pod", ...pod }),
  });
  return JSON.parse(stdout) as LivePod;
}

/** `kubectl apply`, as a user re-applies a manifest; kubectl's result as a value. */
/** `kubectl apply` of the pod's manifest: client-side, or server-side apply with `serverSide`. */
export async function applyPod(cluster: Cluster, pod: PodManifest, serverSide = false) {
  const mode = serverSide ? ["--server-side"] : [];
  return kubectl(cluster, ["apply", ...mode, "-o", "json", "-f", "-"], {
    input: JSON.stringify({ apiVersion: "v1", kind: "Pod", ...pod }),
  });
}

export async function getPod(cluster: Cluster, namespace: string, name: string): Promise<LivePod> {
  return JSON.parse(
    await kubectlOk(cluster, ["get", "pod", name, "-n", namespace, "-o", "json"]),
  ) as LivePod;
}

/** Waiting reasons after which the kubelet will not start the container without a change to the pod. */
const STUCK_REASONS = new Set([
  "CreateContainerConfigError",
  "CreateContainerError",
  "ErrImageNeverPull",
  "InvalidImageName",
  "RunContainerError",
]);

/** Every container's status: init containers (the installer, sidecars) and app containers. */
export function statusesOf(pod: LivePod | undefined): ContainerStatus[] {
  return [...(pod?.status?.initContainerStatuses ?? []), ...(pod?.status?.containerStatuses ?? [])];
}

function describeStates(pod: LivePod): string {
  return statusesOf(pod)
    .map(s => `${s.name}: ${JSON.stringify(s.state)}`)
    .join("; ");
}

/**
 * Waits for Ready. A pod the kubelet will never start (a container config error, say) fails at
 * once with its container states, not after the time-out.
 */
export async function waitReady(
  cluster: Cluster,
  namespace: string,
  name: string,
  timeoutSeconds = 120,
): Promise<LivePod> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (;;) {
    const pod = await getPod(cluster, namespace, name);
    const ready = pod.status?.conditions?.some(c => c.type === "Ready" && c.status === "True");
    if (ready === true) return pod;
    const stuck = statusesOf(pod).find(s => STUCK_REASONS.has(s.state?.waiting?.reason ?? ""));
    if (stuck !== undefined || pod.status?.phase === "Failed" || Date.now() > deadline) {
      throw new HarnessError(
        "ERR_CONTAINER_STATE",
        `pod ${namespace}/${name} did not become Ready (phase ${pod.status?.phase}): ${describeStates(pod)}`,
      );
    }
    await sleep(250);
  }
}

export async function runPodReady(cluster: Cluster, pod: PodManifest): Promise<LivePod> {
  const created = await createPod(cluster, pod);
  return waitReady(cluster, created.metadata.namespace, created.metadata.name);
}

/** `kubectl exec` of `command` in the pod's first container, or in `container`. */
export async function execInPod(
  cluster: Cluster,
  namespace: string,
  name: string,
  command: readonly string[],
  container?: string,
): Promise<string> {
  const target = container === undefined ? [] : ["-c", container];
  return kubectlOk(cluster, ["exec", name, "-n", namespace, ...target, "--", ...command]);
}

/** Deletes a pod a test is done with, without waiting for its grace period: cleanup, not a measurement. */
export async function discardPod(cluster: Cluster, namespace: string, name: string): Promise<void> {
  await kubectlOk(cluster, ["delete", "pod", name, "-n", namespace, "--wait=false"]);
}

export async function createNamespace(
  cluster: Cluster,
  name: string,
  labels: Readonly<Record<string, string>> = {},
  annotations: Readonly<Record<string, string>> = {},
): Promise<void> {
  await kubectlOk(cluster, ["apply", "-f", "-"], {
    input: JSON.stringify({
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name, labels, annotations },
    }),
  });
  // Pods are refused until the namespace's default ServiceAccount exists.
  for (let i = 0; i < 200; i++) {
    const result = await kubectl(cluster, ["get", "serviceaccount", "default", "-n", name]);
    if (result.exitCode === 0) return;
    await sleep(100);
  }
  throw new HarnessError("ERR_TIMEOUT", `namespace ${name} got no default ServiceAccount in 20 s`);
}

/** Where podinit's binary is in a wrapped container with the chart's defaults. */
export const PODINIT_PATH = "/.podinit/podinit";

/**
 * Did the webhook inject this pod? Its `podinit.dev/status` says so (a pod it skipped has one
 * too, saying why), and every app container runs podinit.
 */
export function isInjected(pod: LivePod): boolean {
  const status = JSON.parse(pod.metadata.annotations?.["podinit.dev/status"] ?? "null") as {
    readonly decision?: string;
  } | null;
  return (
    status?.decision === "injected" &&
    pod.spec.containers.every(c => c.command?.[0] === PODINIT_PATH)
  );
}
