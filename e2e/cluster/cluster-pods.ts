// Pods on a test cluster as a user handles them: kubectl create, wait for Ready, exec, and `kubectl delete pod` timed with the exit it caused.

import { spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";

import { HarnessError } from "../harness/harness-error.js";
import type { PodManifest } from "../harness/pod-manifest.js";
import { simplePod, type SimplePodOptions } from "../harness/simple-pod.js";
import { kubectl, kubectlCommand, kubectlOk, type Cluster } from "./cluster.js";
import { enterArgs, nodeEnvironment } from "./node-namespace.js";

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

export interface PodDeletion {
  /** Wall time of `kubectl delete pod --wait`: what the user waits for. */
  readonly deleteMs: number;
  /** Each container's exit code (init containers too) in the last status the kubelet reported before the pod was gone. */
  readonly exitCodes: ReadonlyMap<string, number>;
  /** Each container's ID in the runtime (without the `containerd://`). */
  readonly containerIds: ReadonlyMap<string, string>;
  /** What `kubectl logs --follow --timestamps` printed for each followed container until it ended. */
  readonly logs: ReadonlyMap<string, string>;
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

interface WatchEvent {
  readonly type: string;
  readonly object: LivePod;
}

/** kubectl prints each watch event as an indented JSON object whose braces stand at column 0. */
export function parseWatchEvents(text: string): WatchEvent[] {
  return text
    .split(/\n(?=\{)/)
    .map(chunk => chunk.trim())
    .filter(chunk => chunk !== "")
    .map(chunk => JSON.parse(chunk) as WatchEvent);
}

/** Every container's status: init containers (the installer, sidecars) and app containers. */
function statusesOf(pod: LivePod | undefined): ContainerStatus[] {
  return [...(pod?.status?.initContainerStatuses ?? []), ...(pod?.status?.containerStatuses ?? [])];
}

function containerIdsOf(pod: LivePod | undefined): Map<string, string> {
  const ids = new Map<string, string>();
  for (const { name, containerID } of statusesOf(pod)) {
    if (containerID !== undefined) ids.set(name, containerID.replace(/^[a-z]+:\/\//, ""));
  }
  return ids;
}

function exitCodesOf(pod: LivePod | undefined): Map<string, number> {
  const codes = new Map<string, number>();
  for (const { name, state } of statusesOf(pod)) {
    const code = state?.terminated?.exitCode;
    if (code !== undefined) codes.set(name, code);
  }
  return codes;
}

/** A kubectl process inside the node that runs while the test goes on; its output so far. */
function backgroundKubectl(cluster: Cluster, args: readonly string[]) {
  const [program, programArgs] = kubectlCommand(cluster, args);
  const child = spawn(
    "nsenter",
    [...enterArgs(cluster.namespace, false), program, ...programArgs],
    {
      stdio: ["ignore", "pipe", "pipe"],
      env: nodeEnvironment(cluster.namespace),
    },
  );
  let output = "";
  let errors = "";
  child.stderr.on("data", (chunk: Buffer) => {
    errors += chunk.toString("utf8");
  });
  let ended = false;
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  child.on("close", () => {
    ended = true;
  });
  return {
    output: () => output,
    errors: () => errors,
    ended: () => ended,
    stop: () => child.kill("SIGKILL"),
  };
}

/** Waits for `condition`; on time-out the error says what did not happen. */
async function until(
  condition: () => boolean,
  timeoutMs: number,
  what: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new HarnessError("ERR_TIMEOUT", what());
    await sleep(25);
  }
}

/** The watch's events so far; a chunk the pipe has only half delivered yet is left out. */
function eventsSoFar(text: string): WatchEvent[] {
  try {
    return parseWatchEvents(text);
  } catch {
    return parseWatchEvents(text.slice(0, text.lastIndexOf("\n{")));
  }
}

/**
 * `kubectl delete pod --wait`, timed, while a watch records the pod's last reported status (the
 * exit codes are gone with the pod otherwise) and `kubectl logs -f` follows each container
 * named in `followLogs` to its end, as a log shipper would.
 */
export async function deletePod(
  cluster: Cluster,
  namespace: string,
  name: string,
  followLogs: readonly string[] = [],
): Promise<PodDeletion> {
  const watch = backgroundKubectl(cluster, [
    "get",
    "pod",
    name,
    "-n",
    namespace,
    "--watch",
    "--output-watch-events",
    "-o",
    "json",
  ]);
  const followers = followLogs.map(container => ({
    container,
    follower: backgroundKubectl(cluster, [
      "logs",
      "--follow",
      "--timestamps",
      name,
      "-n",
      namespace,
      "-c",
      container,
    ]),
  }));
  try {
    // The watch's first event is the pod as it is, and `logs --follow` prints what was logged so
    // far first: once both are there, nothing that follows is missed.
    await until(
      () => eventsSoFar(watch.output()).length > 0,
      10_000,
      () => `the watch of ${namespace}/${name} printed no event: ${watch.errors()}`,
    );
    for (const { container, follower } of followers) {
      await until(
        () => follower.output() !== "",
        10_000,
        () =>
          `kubectl logs --follow of ${namespace}/${name}/${container} printed nothing: ${follower.errors()}`,
      );
    }
    const started = performance.now();
    await kubectlOk(
      cluster,
      ["delete", "pod", name, "-n", namespace, "--wait=true", "--timeout=180s"],
      { timeoutMs: 200_000 },
    );
    const deleteMs = performance.now() - started;
    await until(
      () => eventsSoFar(watch.output()).at(-1)?.type === "DELETED",
      10_000,
      () => `the watch of ${namespace}/${name} saw no DELETED event: ${watch.errors()}`,
    );
    await until(
      () => followers.every(({ follower }) => follower.ended()),
      10_000,
      () => `kubectl logs --follow of ${namespace}/${name} did not end with the pod`,
    );
    const last = eventsSoFar(watch.output()).at(-1)?.object;
    return {
      deleteMs,
      exitCodes: exitCodesOf(last),
      containerIds: containerIdsOf(last),
      logs: new Map(followers.map(({ container, follower }) => [container, follower.output()])),
    };
  } finally {
    watch.stop();
    for (const { follower } of followers) follower.stop();
  }
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
