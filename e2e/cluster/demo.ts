// `make demo DEMO=cluster`: the demo pod on a real Kubernetes node with the chart installed, opted in and not, deleted with `kubectl delete pod`, compared in a table.

import { setTimeout as sleep } from "node:timers/promises";

import { demoPod, GRACE_SECONDS, printTable, say, type DemoRow } from "../demo-report.js";
import { HarnessError } from "../../test/support/e2e/harness-error.js";
import { pollUntil } from "../../test/support/e2e/poll.js";
import { stopCluster, type Cluster } from "./cluster.js";
import {
  createNamespace,
  execInPod,
  isInjected,
  runPodReady,
  withNamespace,
} from "./cluster-pods.js";
import { newestRelease, releaseByKey } from "./components.js";
import { kubectlOk } from "./kubectl.js";
import { deletePod } from "./pod-deletion.js";
import { clusterImages, clusterWithPodinit } from "./podinit-release.js";

const VARIANTS = [
  { namespace: "demo-without", variant: "without podinit", labels: {} },
  { namespace: "demo-with", variant: "with podinit", labels: { "podinit.dev/inject": "enabled" } },
] as const;

async function zombiesIn(cluster: Cluster, namespace: string, container: string): Promise<number> {
  const table = await execInPod(cluster, namespace, "demo", ["ps", "-o", "stat"], container);
  return table.split("\n").filter(line => line.trim().startsWith("Z")).length;
}

async function runAndDelete(
  cluster: Cluster,
  image: string,
  { namespace, variant }: (typeof VARIANTS)[number],
): Promise<DemoRow[]> {
  const pod = await runPodReady(cluster, withNamespace(demoPod(image), namespace));
  if (variant === "with podinit" && !isInjected(pod))
    throw new HarnessError("ERR_POD_INVALID", "the webhook did not inject the demo pod");
  const containers = pod.spec.containers.map(c => c.name);
  for (const container of containers) {
    await pollUntil(
      () => kubectlOk(cluster, ["logs", "demo", "-n", namespace, "-c", container]),
      logs => logs.includes("ready"),
      30_000,
    );
  }
  // Long enough for the helpers to exit and, without an init to reap them, stay zombies.
  await sleep(1000);
  const zombies = new Map<string, number>();
  for (const container of containers)
    zombies.set(container, await zombiesIn(cluster, namespace, container));
  const deletion = await deletePod(cluster, namespace, "demo", containers);
  return containers.map(container => {
    const exitCode = deletion.exitCodes.get(container);
    return {
      container,
      variant,
      stopTime: `${(deletion.deleteMs / 1000).toFixed(2)} s${exitCode === 137 ? " (SIGKILLed)" : ""}`,
      logs: deletion.logs.get(container) ?? "",
      zombies: zombies.get(container) ?? 0,
      exitCode: String(exitCode ?? "?"),
    };
  });
}

async function main(): Promise<void> {
  const key = process.env["K8S"];
  const release = key === undefined || key === "" ? newestRelease() : releaseByKey(key);
  say(
    `podinit demo on Kubernetes ${release.kubernetes.replace("kubernetes-", "")}: building the images and the node (the first run builds Kubernetes: minutes)…`,
  );
  const images = await clusterImages();
  const cluster = await clusterWithPodinit(release, images);
  try {
    say("the node is Ready and podinit is installed with its Helm chart");
    for (const { namespace, labels } of VARIANTS) await createNamespace(cluster, namespace, labels);
    say(
      `running the pod in a namespace labelled podinit.dev/inject=enabled and in one without, then \`kubectl delete pod\` (grace period ${GRACE_SECONDS} s)…`,
    );
    const rows = await Promise.all(
      VARIANTS.map(variant => runAndDelete(cluster, images.busybox, variant)),
    );
    printTable(rows.flat(), "kubectl delete");
  } finally {
    await stopCluster(release);
  }
}

main().catch((error: unknown) => {
  const message = error instanceof HarnessError ? `${error.code}: ${error.message}` : String(error);
  process.stderr.write(`demo failed: ${message}\n`);
  process.exitCode = 1;
});
