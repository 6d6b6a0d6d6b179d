// injection.mode=auto on a real API server and kubelet: imageVolume only where the node proved it can, initContainer everywhere else; overrides per namespace and pod.
import { describe, expect, inject, it } from "vitest";

import { pollUntil } from "../../test/support/e2e/poll.js";
import { discardPod, PODINIT_PATH, runPodReady, waitReady, type LivePod } from "./cluster-pods.js";
import { kubectl, kubectlOk } from "./kubectl.js";
import { busyboxPod } from "./cluster-scenario.js";
import { isReady, modeSettlingOn, probePods, settledProbes, waitingReason } from "./auto-mode.js";
import { RELEASE_NAMESPACE, WEBHOOK_DEPLOYMENT } from "./podinit-release.js";

const cluster = inject("cluster");
const chosen = inject("mode");
const release = cluster.release;
const [major, minor] = release.kubernetes.replace("kubernetes-v", "").split(".").map(Number);
const serverAdmits = (major ?? 0) > 1 || (minor ?? 0) >= 35;
/** What this node can really do: both the API server and the runtime must. */
const expected = serverAdmits && release.imageVolumes ? "imageVolume" : "initContainer";
const DAEMON_SET = `${WEBHOOK_DEPLOYMENT}-node-probe`;
const APP_NAMESPACE = "podinit-auto-app";

const sleeper = (name: string) =>
  busyboxPod(name, APP_NAMESPACE, { command: ["sh", "-c", "sleep 1000"], graceSeconds: 1 });

const statusOf = (pod: LivePod) =>
  JSON.parse(pod.metadata.annotations?.["podinit.dev/status"] ?? "{}") as { mode?: string };

async function namespaceWith(name: string, annotations: Record<string, string>): Promise<void> {
  await kubectlOk(cluster, ["apply", "-f", "-"], {
    input: JSON.stringify({
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name, labels: { "podinit.dev/inject": "enabled" }, annotations },
    }),
  });
}

/** Puts on (or takes off) a probe node selector that matches no node. */
async function keepProbesOff(off: boolean): Promise<void> {
  // A JSON merge patch deletes a key set to null.
  const nodeSelector = { "podinit.dev/none": off ? "x" : null };
  await kubectlOk(cluster, [
    "patch",
    "daemonset",
    DAEMON_SET,
    "-n",
    RELEASE_NAMESPACE,
    "--type=merge",
    "-p",
    JSON.stringify({ spec: { template: { spec: { nodeSelector } } } }),
  ]);
}

async function webhookLog(): Promise<string> {
  return kubectlOk(cluster, ["logs", `deployment/${WEBHOOK_DEPLOYMENT}`, "-n", RELEASE_NAMESPACE]);
}

describe(`auto on Kubernetes ${release.kubernetes}, ${release.containerd} containerd`, () => {
  it(`chooses ${expected}, and says so in its log and metrics`, async () => {
    expect(chosen).toBe(expected);
    const probes = await settledProbes(cluster);
    if (!serverAdmits) expect(probes).toEqual([]);
    else if (release.imageVolumes) expect(probes.map(isReady)).toEqual([true]);
    // The versions say yes; the runtime cannot mount the image, and the probe shows it.
    else expect(probes.map(waitingReason)).toEqual(["CreateContainerError"]);
    const lines = (await webhookLog()).split("\n").filter(l => l.includes("injection mode chosen"));
    expect(JSON.parse(lines.at(-1) ?? "{}")).toMatchObject({ mode: expected });
    const metrics = await kubectlOk(cluster, [
      "get",
      "--raw",
      `/api/v1/namespaces/${RELEASE_NAMESPACE}/services/https:${WEBHOOK_DEPLOYMENT}:443/proxy/metrics`,
    ]);
    expect(metrics).toContain(
      `podinit_webhook_injection_mode{mode="${expected}",configured="auto"} 1`,
    );
  });

  it("a pod it injects starts and runs its command under podinit", async () => {
    await namespaceWith(APP_NAMESPACE, {});
    const pod = await runPodReady(cluster, sleeper("auto-app"));
    expect(statusOf(pod).mode).toBe(expected);
    expect(pod.spec.containers[0]?.command?.[0]).toBe(PODINIT_PATH);
    await discardPod(cluster, APP_NAMESPACE, "auto-app");
  });

  it.runIf(expected === "imageVolume")(
    "goes back to init containers while the node has no Ready probe, and returns once it has",
    async () => {
      // A node selector that matches no node takes the probe off the node: unproven.
      await keepProbesOff(true);
      try {
        await pollUntil(
          () => probePods(cluster),
          pods => pods.length === 0,
          60_000,
          500,
        );
        const without = await modeSettlingOn(cluster, "initContainer", 10_000);
        expect(without.mode).toBe("initContainer");
      } finally {
        await keepProbesOff(false);
      }
      await settledProbes(cluster);
      const back = await modeSettlingOn(cluster, "imageVolume", 30_000);
      expect(back.mode).toBe("imageVolume");
    },
  );

  it("a namespace's podinit.dev/mode wins over the cluster's choice", async () => {
    const other = expected === "imageVolume" ? "initContainer" : "imageVolume";
    await namespaceWith("podinit-auto-ns", { "podinit.dev/mode": other });
    // Where the API server refuses image volumes, asking for one still gets a working pod.
    const want = serverAdmits ? other : "initContainer";
    const seen = await modeSettlingOn(cluster, want, 10_000, "podinit-auto-ns");
    expect(seen.mode).toBe(want);
    if (!serverAdmits) expect(seen.warnings).toContain("image volumes need Kubernetes 1.35");
  });

  it.runIf(!serverAdmits)(
    "a pod that asks for imageVolume on an API server that rejects image volumes is created and runs, with an init container and a warning",
    async () => {
      await namespaceWith(APP_NAMESPACE, {});
      const manifest = sleeper("asks-image-volume");
      const annotated = {
        ...manifest,
        metadata: { ...manifest.metadata, annotations: { "podinit.dev/mode": "imageVolume" } },
      };
      const created = await kubectl(cluster, ["create", "-f", "-"], {
        input: JSON.stringify({ apiVersion: "v1", kind: "Pod", ...annotated }),
      });
      expect(created.exitCode).toBe(0);
      expect(created.stderr).toContain("image volumes need Kubernetes 1.35");
      const live = await waitReady(cluster, APP_NAMESPACE, "asks-image-volume");
      expect(statusOf(live).mode).toBe("initContainer");
      await discardPod(cluster, APP_NAMESPACE, "asks-image-volume");
    },
  );
});
