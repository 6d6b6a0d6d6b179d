// What injection.mode=auto chose on a test cluster, as users see it: the node probe's state and the mode a new pod gets.

import { setTimeout as sleep } from "node:timers/promises";

import type { InjectionMode } from "../../webhook/src/mutation/settings.js";
import { pollUntil } from "../../test/support/e2e/poll.js";
import { HarnessError } from "../../test/support/e2e/harness-error.js";
import type { Cluster } from "./cluster.js";
import { createNamespace, type LivePod } from "./cluster-pods.js";
import { kubectl, kubectlOk } from "./kubectl.js";
import { RELEASE_NAMESPACE } from "./podinit-release.js";

const PROBE_SELECTOR = "app.kubernetes.io/component=node-probe";
const MODE_NAMESPACE = "podinit-mode-check";

/** The node probe pods (none before Kubernetes 1.35, where the chart renders no DaemonSet). */
export async function probePods(cluster: Cluster): Promise<LivePod[]> {
  const out = await kubectlOk(cluster, [
    "get",
    "pods",
    "-n",
    RELEASE_NAMESPACE,
    "-l",
    PROBE_SELECTOR,
    "-o",
    "json",
  ]);
  return (JSON.parse(out) as { items: LivePod[] }).items;
}

export function isReady(pod: LivePod): boolean {
  return pod.status?.conditions?.some(c => c.type === "Ready" && c.status === "True") === true;
}

/** The probe container's waiting reason, or "" (running, or not created yet). */
export function waitingReason(pod: LivePod): string {
  return pod.status?.containerStatuses?.[0]?.state?.waiting?.reason ?? "";
}

/** Reasons the kubelet gives while a container may still start. */
const STARTING = new Set(["", "ContainerCreating", "PodInitializing"]);

/**
 * Waits until every probe has shown its result (Ready, or a waiting reason that is a failure),
 * then returns the probes. No DaemonSet: none at once.
 */
export async function settledProbes(cluster: Cluster, timeoutMs = 120_000): Promise<LivePod[]> {
  const daemonSets = await kubectlOk(cluster, [
    "get",
    "daemonsets",
    "-n",
    RELEASE_NAMESPACE,
    "-l",
    PROBE_SELECTOR,
    "-o",
    "name",
  ]);
  if (daemonSets.trim() === "") return [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pods = await probePods(cluster);
    const settled =
      pods.length > 0 && pods.every(p => isReady(p) || !STARTING.has(waitingReason(p)));
    if (settled) return pods;
    if (Date.now() > deadline)
      throw new HarnessError(
        "ERR_TIMEOUT",
        `node probes not settled in ${timeoutMs / 1000} s: ${pods.map(p => `${p.metadata.name} ${waitingReason(p)}`).join(", ")}`,
      );
    await sleep(500);
  }
}

/**
 * The mode the webhook gives a pod created now in `namespace` (opted in here when it does not
 * exist yet), by a server-side dry run; the API server's warnings come with it.
 */
export async function modeOfNewPod(
  cluster: Cluster,
  namespace = MODE_NAMESPACE,
): Promise<{ readonly mode: InjectionMode | undefined; readonly warnings: string }> {
  const exists = await kubectl(cluster, ["get", "namespace", namespace]);
  if (exists.exitCode !== 0)
    await createNamespace(cluster, namespace, { "podinit.dev/inject": "enabled" });
  const pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "mode-check", namespace },
    spec: { containers: [{ name: "app", image: "busybox", command: ["sleep", "1"] }] },
  };
  const result = await kubectl(cluster, ["create", "--dry-run=server", "-o", "json", "-f", "-"], {
    input: JSON.stringify(pod),
  });
  if (result.exitCode !== 0)
    throw new HarnessError("ERR_COMMAND_FAILED", `dry-run pod refused: ${result.stderr.trim()}`);
  const created = JSON.parse(result.stdout) as LivePod;
  const status = JSON.parse(created.metadata.annotations?.["podinit.dev/status"] ?? "{}") as {
    mode?: InjectionMode;
  };
  return { mode: status.mode, warnings: result.stderr };
}

/**
 * What a new pod in `namespace` gets once the webhook has caught up with a change (its watches
 * follow within moments): the last answer, whether or not it became `want` within `timeoutMs`.
 */
export function modeSettlingOn(
  cluster: Cluster,
  want: InjectionMode,
  timeoutMs: number,
  namespace = MODE_NAMESPACE,
): Promise<{ readonly mode: InjectionMode | undefined; readonly warnings: string }> {
  return pollUntil(
    () => modeOfNewPod(cluster, namespace),
    r => r.mode === want,
    timeoutMs,
    200,
  );
}

/**
 * The mode `auto` settled on: once the probes have shown their result, a Ready probe is given a
 * few seconds to turn into imageVolume.
 */
export async function observedAutoMode(cluster: Cluster): Promise<InjectionMode> {
  const probes = await settledProbes(cluster);
  const proven = probes.length > 0 && probes.every(isReady);
  const { mode } = await modeSettlingOn(cluster, "imageVolume", proven ? 30_000 : 0);
  if (mode === undefined)
    throw new HarnessError("ERR_CONTAINER_STATE", "the dry-run pod was not injected");
  return mode;
}
