// On a real kubelet: pods deleted with `kubectl delete pod`, without podinit and with it as the chart injects it.
import { beforeAll, describe, expect, inject, it } from "vitest";

import { pollUntil } from "../../test/support/e2e/poll.js";
import { countZombies, type ContainerProcess } from "../../test/support/e2e/container-processes.js";
import { stopOnCluster } from "./cluster-stop.js";
import { timestampMs } from "./containerd-log.js";
import { orphansHaveExited, ORPHANS } from "../scenario-pods.js";
import { RESTRICTED_SECURITY_CONTEXT } from "../stop-scenarios.js";
import { kubectlOk } from "./kubectl.js";
import {
  createNamespace,
  discardPod,
  execInPod,
  isInjected,
  PODINIT_PATH,
  runPodReady,
} from "./cluster-pods.js";
import { busyboxPod, createSuiteNamespaces, INJECTED, UNLABELLED } from "./cluster-scenario.js";
import { RELEASE_NAMESPACE, WEBHOOK_DEPLOYMENT } from "./podinit-release.js";

const GRACE_SECONDS = 6;
const cluster = inject("cluster");

beforeAll(createSuiteNamespaces);

/** busybox `ps -o pid,stat,comm` as the rows the podman suite reads from /proc. */
function psTable(text: string): Pick<ContainerProcess, "pid" | "state" | "command">[] {
  return text
    .trim()
    .split("\n")
    .slice(1)
    .map(row => row.trim().split(/\s+/))
    .map(([pid, state, command]) => ({
      pid: Number(pid),
      state: state?.[0] ?? "",
      command: command ?? "",
    }));
}

/** When the kubelet recorded `text` (`kubectl logs --timestamps`), in ms; NaN if never. */
function loggedAt(logs: string, text: string): number {
  const line = logs.split("\n").find(l => l.endsWith(` ${text}`)) ?? "";
  return timestampMs(line.split(" ")[0] ?? "") ?? NaN;
}

describe(`Kubernetes ${cluster.release.key}: kubectl delete pod`, () => {
  it("a pod in a namespace without the label is admitted untouched", async () => {
    const pod = await runPodReady(
      cluster,
      busyboxPod("untouched", UNLABELLED, { command: ["sh", "-c", "sleep 1000"], graceSeconds: 1 }),
    );
    // Never seen by the webhook: no status annotation at all (a skipped pod would have one).
    expect(pod.metadata.annotations?.["podinit.dev/status"]).toBeUndefined();
    expect(pod.spec.initContainers).toBeUndefined();
    expect(pod.spec.containers[0]?.command).toEqual(["sh", "-c", "sleep 1000"]);
    await discardPod(cluster, UNLABELLED, "untouched");
  });

  it("orphans stay zombies without podinit and are reaped with it (seen by `kubectl exec ps`)", async () => {
    const processesOf = async (namespace: string) => {
      const script = `for i in $(seq ${ORPHANS}); do (sleep 0.2 &); done; echo spawned; exec sleep 1000`;
      await runPodReady(
        cluster,
        busyboxPod("orphans", namespace, { command: ["sh", "-c", script], graceSeconds: 1 }),
      );
      const processes = await pollUntil(
        async () =>
          psTable(await execInPod(cluster, namespace, "orphans", ["ps", "-o", "pid,stat,comm"])),
        orphansHaveExited,
        15_000,
      );
      await discardPod(cluster, namespace, "orphans");
      return processes;
    };
    const plain = await processesOf(UNLABELLED);
    const injected = await processesOf(INJECTED);
    expect(countZombies(plain)).toBe(ORPHANS);
    expect(countZombies(injected)).toBe(0);
    expect(injected.find(p => p.pid === 1)?.command).toBe("podinit");
  });

  it("a pod in a PSA-restricted namespace is admitted, injected, runs and stops at once", async () => {
    const namespace = "podinit-restricted";
    await createNamespace(cluster, namespace, {
      "podinit.dev/inject": "enabled",
      "pod-security.kubernetes.io/enforce": "restricted",
    });
    const { pod, exitCode } = await stopOnCluster(
      cluster,
      busyboxPod("restricted", namespace, {
        command: ["sh", "-c", "echo started; sleep 1000; echo never"],
        graceSeconds: GRACE_SECONDS,
        container: { securityContext: RESTRICTED_SECURITY_CONTEXT },
      }),
      "started",
    );
    expect(isInjected(pod)).toBe(true);
    expect(exitCode).toBe(143);
  });

  it("a native sidecar is wrapped too and stopped after the main container", async () => {
    // Each container logs when SIGTERM reaches it; the kubelet's timestamps order the two.
    const trapping = (who: string) => [
      "sh",
      "-c",
      `trap "echo ${who} stopping; exit 0" TERM; echo ${who} ready; sleep 1000 & wait`,
    ];
    const { pod, deletion } = await stopOnCluster(
      cluster,
      busyboxPod("with-sidecar", INJECTED, {
        command: trapping("app"),
        graceSeconds: GRACE_SECONDS,
        initContainers: [
          {
            name: "sidecar",
            image: inject("images").busybox,
            imagePullPolicy: "Never",
            restartPolicy: "Always",
            command: trapping("sidecar"),
          },
        ],
      }),
      "app ready",
    );
    const sidecar = pod.spec.initContainers?.find(c => c.name === "sidecar") as
      { command?: string[] } | undefined;
    expect(sidecar?.command?.[0]).toBe(PODINIT_PATH);
    expect(pod.spec.containers[0]?.command?.[0]).toBe(PODINIT_PATH);
    const appStopping = loggedAt(deletion.logs.get("app") ?? "", "app stopping");
    const sidecarStopping = loggedAt(deletion.logs.get("sidecar") ?? "", "sidecar stopping");
    expect(appStopping).toBeGreaterThan(0);
    expect(sidecarStopping).toBeGreaterThan(appStopping);
    expect(deletion.exitCodes.get("app")).toBe(0);
  });
});

describe(`Kubernetes ${cluster.release.key}: the webhook down`, () => {
  const scale = (replicas: number) =>
    kubectlOk(cluster, [
      "scale",
      `deployment/${WEBHOOK_DEPLOYMENT}`,
      "-n",
      RELEASE_NAMESPACE,
      `--replicas=${replicas}`,
    ]);

  it("admits pods unmutated under failurePolicy Ignore, and injects again once it is back", async () => {
    await scale(0);
    let whileDown;
    try {
      // The webhook's pods only: with injection.mode=auto the node probes share the name label.
      await kubectlOk(cluster, [
        "wait",
        "--for=delete",
        "pod",
        "-l",
        "app.kubernetes.io/name=podinit,app.kubernetes.io/component=webhook",
        "-n",
        RELEASE_NAMESPACE,
        "--timeout=120s",
      ]);
      whileDown = await runPodReady(
        cluster,
        busyboxPod("while-down", INJECTED, {
          command: ["sh", "-c", "sleep 1000"],
          graceSeconds: 1,
        }),
      );
    } finally {
      // Whatever happened, the files after this one get their webhook back.
      await scale(1);
      await kubectlOk(cluster, [
        "rollout",
        "status",
        `deployment/${WEBHOOK_DEPLOYMENT}`,
        "-n",
        RELEASE_NAMESPACE,
        "--timeout=180s",
      ]);
    }
    const afterwards = await runPodReady(
      cluster,
      busyboxPod("after-restart", INJECTED, {
        command: ["sh", "-c", "sleep 1000"],
        graceSeconds: 1,
      }),
    );
    expect(whileDown.metadata.annotations?.["podinit.dev/status"]).toBeUndefined();
    expect(whileDown.spec.containers[0]?.command).toEqual(["sh", "-c", "sleep 1000"]);
    expect(isInjected(afterwards)).toBe(true);
    await discardPod(cluster, INJECTED, "while-down");
    await discardPod(cluster, INJECTED, "after-restart");
  });
});
