// On a real kubelet: pods deleted with `kubectl delete pod`, without podinit and with it as the chart injects it.
import { beforeAll, describe, expect, inject, it } from "vitest";

import { pollUntil } from "../harness/poll.js";
import { countZombies, type ContainerProcess } from "../harness/container-processes.js";
import { orphansHaveExited, ORPHANS } from "../scenario-pods.js";
import { kubectlOk } from "./cluster.js";
import {
  createNamespace,
  deletePod,
  execInPod,
  isInjected,
  runPodReady,
  type LivePod,
  type PodDeletion,
} from "./cluster-pods.js";
import {
  busyboxPod,
  createSuiteNamespaces,
  INJECTED,
  PODINIT_PATH,
  twins,
  UNLABELLED,
} from "./cluster-scenario.js";
import type { PodManifest } from "../harness/pod-manifest.js";
import { RELEASE_NAMESPACE, WEBHOOK_DEPLOYMENT } from "./podinit-release.js";

const GRACE_SECONDS = 6;
const cluster = inject("cluster");

beforeAll(createSuiteNamespaces);

/** busybox `ps -o pid,stat,comm` as the rows the podman suite reads from /proc. */
function psTable(text: string): ContainerProcess[] {
  return text
    .trim()
    .split("\n")
    .slice(1)
    .map(row => row.trim().split(/\s+/))
    .map(([pid, state, command]) => ({
      pid: Number(pid),
      hostPid: 0,
      state: state?.[0] ?? "",
      command: command ?? "",
    }));
}

/** When the kubelet recorded `text` (`kubectl logs --timestamps`), in ns since the epoch; 0n if never. */
function loggedAt(logs: string, text: string): bigint {
  const line = logs.split("\n").find(l => l.endsWith(` ${text}`));
  const match = /^(\S+?)(?:\.(\d+))?Z /.exec(line ?? "");
  if (match === null) return 0n;
  const seconds = BigInt(Date.parse(`${match[1]}Z`)) / 1000n;
  return seconds * 1_000_000_000n + BigInt((match[2] ?? "").padEnd(9, "0"));
}

interface Run {
  readonly pod: LivePod;
  readonly deletion: PodDeletion;
}

/** Creates the pod, waits for Ready and for its app to say `ready`, then deletes it. */
async function runAndDelete(
  manifest: PodManifest,
  ready: string,
  follow: readonly string[] = ["app"],
): Promise<Run> {
  const pod = await runPodReady(cluster, manifest);
  const { namespace, name } = pod.metadata;
  await pollUntil(
    () => kubectlOk(cluster, ["logs", name, "-n", namespace, "-c", follow[0] ?? "app"]),
    logs => logs.includes(ready),
    30_000,
  );
  return { pod, deletion: await deletePod(cluster, namespace, name, follow) };
}

describe(`Kubernetes ${cluster.release.key}: kubectl delete pod`, () => {
  it("a pod in a namespace without the label is admitted untouched", async () => {
    const pod = await runPodReady(
      cluster,
      busyboxPod("untouched", UNLABELLED, { command: ["sh", "-c", "sleep 1000"], graceSeconds: 1 }),
    );
    expect(isInjected(pod)).toBe(false);
    expect(pod.spec.initContainers).toBeUndefined();
    expect(pod.spec.containers[0]?.command).toEqual(["sh", "-c", "sleep 1000"]);
    await deletePod(cluster, UNLABELLED, "untouched");
  });

  it("an `sh -c` app: SIGKILL after the grace period without podinit, exit 143 at once with it", async () => {
    const [plainPod, injectedPod] = twins(namespace =>
      busyboxPod("sh-wrapper", namespace, {
        command: ["sh", "-c", "echo started; sleep 1000; echo never"],
        graceSeconds: GRACE_SECONDS,
      }),
    );
    const plain = await runAndDelete(plainPod, "started");
    const injected = await runAndDelete(injectedPod, "started");
    expect(isInjected(injected.pod)).toBe(true);
    expect(injected.pod.spec.containers[0]?.command?.[0]).toBe(PODINIT_PATH);
    expect(plain.deletion.exitCodes.get("app")).toBe(137);
    expect(injected.deletion.exitCodes.get("app")).toBe(143);
    expect(injected.deletion.deleteMs).toBeLessThan(plain.deletion.deleteMs / 4);
  });

  it("a script's two background workers both finish their cleanup under podinit", async () => {
    const script = [
      'worker() { trap "echo worker $1 stopping; sleep 0.5; echo worker $1 done; exit 0" TERM;',
      "  echo worker $1 ready; while :; do sleep 0.1; done; }",
      "worker 1 & sleep 0.2; worker 2 & wait",
    ].join("\n");
    const [plainPod, injectedPod] = twins(namespace =>
      busyboxPod("two-workers", namespace, {
        command: ["sh", "-c", script],
        graceSeconds: GRACE_SECONDS,
      }),
    );
    const plain = await runAndDelete(plainPod, "worker 2 ready");
    const injected = await runAndDelete(injectedPod, "worker 2 ready");
    expect(plain.deletion.exitCodes.get("app")).toBe(137);
    expect(plain.deletion.logs.get("app")).not.toContain("done");
    expect(injected.deletion.logs.get("app")).toContain("worker 1 done");
    expect(injected.deletion.logs.get("app")).toContain("worker 2 done");
    expect(injected.deletion.deleteMs).toBeLessThan(plain.deletion.deleteMs);
  });

  it("an app that ignores SIGTERM: podinit kills it before the grace period ends, the kubelet after", async () => {
    const [plainPod, injectedPod] = twins(namespace =>
      busyboxPod("ignores-term", namespace, {
        command: ["sh", "-c", 'trap "" TERM; echo started; sleep 1000; echo never'],
        graceSeconds: GRACE_SECONDS,
      }),
    );
    const plain = await runAndDelete(plainPod, "started");
    const injected = await runAndDelete(injectedPod, "started");
    expect(plain.deletion.exitCodes.get("app")).toBe(137);
    expect(injected.deletion.exitCodes.get("app")).toBe(137);
    // The webhook gives podinit the grace period less a 2 s margin: 4 s of the pod's 6 s.
    expect(injected.deletion.deleteMs).toBeLessThan(plain.deletion.deleteMs * 0.85);
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
      await deletePod(cluster, namespace, "orphans");
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
    const { pod, deletion } = await runAndDelete(
      busyboxPod("restricted", namespace, {
        command: ["sh", "-c", "echo started; sleep 1000; echo never"],
        graceSeconds: GRACE_SECONDS,
        container: {
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 1000,
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ["ALL"] },
            seccompProfile: { type: "RuntimeDefault" },
          },
        },
      }),
      "started",
    );
    expect(isInjected(pod)).toBe(true);
    expect(deletion.exitCodes.get("app")).toBe(143);
  });

  it("a native sidecar is wrapped too and stopped after the main container", async () => {
    // Each container logs when SIGTERM reaches it; the kubelet's timestamps order the two.
    const trapping = (who: string) => [
      "sh",
      "-c",
      `trap "echo ${who} stopping; exit 0" TERM; echo ${who} ready; sleep 1000 & wait`,
    ];
    const { pod, deletion } = await runAndDelete(
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
      ["app", "sidecar"],
    );
    const sidecar = pod.spec.initContainers?.find(c => c.name === "sidecar") as
      { command?: string[] } | undefined;
    expect(sidecar?.command?.[0]).toBe(PODINIT_PATH);
    expect(pod.spec.containers[0]?.command?.[0]).toBe(PODINIT_PATH);
    const appStopping = loggedAt(deletion.logs.get("app") ?? "", "app stopping");
    const sidecarStopping = loggedAt(deletion.logs.get("sidecar") ?? "", "sidecar stopping");
    expect(appStopping).toBeGreaterThan(0n);
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
    await kubectlOk(cluster, [
      "wait",
      "--for=delete",
      "pod",
      "-l",
      "app.kubernetes.io/name=podinit",
      "-n",
      RELEASE_NAMESPACE,
      "--timeout=120s",
    ]);
    const whileDown = await runPodReady(
      cluster,
      busyboxPod("while-down", INJECTED, { command: ["sh", "-c", "sleep 1000"], graceSeconds: 1 }),
    );
    await scale(1);
    await kubectlOk(cluster, [
      "rollout",
      "status",
      `deployment/${WEBHOOK_DEPLOYMENT}`,
      "-n",
      RELEASE_NAMESPACE,
      "--timeout=180s",
    ]);
    const afterwards = await runPodReady(
      cluster,
      busyboxPod("after-restart", INJECTED, {
        command: ["sh", "-c", "sleep 1000"],
        graceSeconds: 1,
      }),
    );
    expect(isInjected(whileDown)).toBe(false);
    expect(whileDown.spec.containers[0]?.command).toEqual(["sh", "-c", "sleep 1000"]);
    expect(isInjected(afterwards)).toBe(true);
    await deletePod(cluster, INJECTED, "while-down");
    await deletePod(cluster, INJECTED, "after-restart");
  });
});
