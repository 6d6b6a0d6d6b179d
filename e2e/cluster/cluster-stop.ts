// A pod deleted on the real kubelet, read back as the outcome the shared stop scenarios judge: containerd's stop time, its SIGKILL, the exit code, the logs.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

import { HarnessError } from "../../test/support/e2e/harness-error.js";
import { pollUntil } from "../../test/support/e2e/poll.js";
import type { PodManifest } from "../../test/support/e2e/pod-manifest.js";
import type { StopOutcome } from "../stop-scenarios.js";
import type { Cluster } from "./cluster.js";
import { runPodReady, type LivePod } from "./cluster-pods.js";
import { runtimeStop } from "./containerd-log.js";
import { kubectlOk } from "./kubectl.js";
import { layoutPaths } from "./node-config.js";
import { deletePod, type PodDeletion } from "./pod-deletion.js";

export interface ClusterStop extends StopOutcome {
  readonly pod: LivePod;
  readonly deletion: PodDeletion;
}

/** `kubectl logs --timestamps` lines without their timestamps. */
function untimestamped(logs: string): string {
  return logs
    .split("\n")
    .filter(line => line !== "")
    .map(line => line.replace(/^\S+Z /, ""))
    .join("\n");
}

/**
 * Creates the pod, waits for Ready and for its first app container to log `ready` (then
 * `deleteAfterMs` more), deletes it with `kubectl delete pod`, and reads how each container
 * (sidecars included) stopped from containerd's log. The outcome's exit code and logs are the
 * first app container's.
 */
export async function stopOnCluster(
  cluster: Cluster,
  manifest: PodManifest,
  ready: string,
  deleteAfterMs = 0,
): Promise<ClusterStop> {
  const pod = await runPodReady(cluster, manifest);
  const { namespace, name } = pod.metadata;
  const first = pod.spec.containers[0]?.name ?? "";
  // Native sidecars are stopped with the pod too, after the app containers.
  const sidecars = (pod.spec.initContainers ?? []).filter(c => c.restartPolicy === "Always");
  const containers = [...pod.spec.containers, ...sidecars].map(c => c.name);
  await pollUntil(
    () => kubectlOk(cluster, ["logs", name, "-n", namespace, "-c", first]),
    logs => logs.includes(ready),
    30_000,
  );
  await sleep(deleteAfterMs);
  const deletion = await deletePod(cluster, namespace, name, containers);
  const log = readFileSync(join(layoutPaths(cluster.dir).logs, "containerd.log"), "utf8");
  const stops = containers.map(container => {
    const id = deletion.containerIds.get(container) ?? "";
    const stop = runtimeStop(log, id);
    if (stop === undefined) {
      throw new HarnessError(
        "ERR_CONTAINER_STATE",
        `containerd's log has no StopContainer of ${namespace}/${name}/${container} (${id || "no container ID"})`,
      );
    }
    return stop;
  });
  const exitCode = deletion.exitCodes.get(first);
  if (exitCode === undefined) {
    throw new HarnessError(
      "ERR_CONTAINER_STATE",
      `the kubelet reported no exit code for ${namespace}/${name}/${first}`,
    );
  }
  return {
    pod,
    deletion,
    stopMs: Math.max(...stops.map(s => s.stopMs)),
    exitCode,
    killed: stops.some(s => s.killed),
    logs: { text: untimestamped(deletion.logs.get(first) ?? "") },
  };
}
