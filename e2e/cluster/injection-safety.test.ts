// On a real API server and kubelet: a pod that works without podinit must work with it, and podinit wraps what other webhooks add (issue 15's cases).
//
// Each case runs the same pod in a namespace without the label (it must work: the case is fair)
// and in one with it, where every pod it created must also have been wrapped: a pod admitted
// without podinit (failing open) works too, and would prove nothing.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, inject, it } from "vitest";

import type { PodManifest } from "../../test/support/e2e/pod-manifest.js";
import { pollUntil } from "../../test/support/e2e/poll.js";
import { kubectlOk } from "./kubectl.js";
import { kubeconfigPath } from "./node-config.js";
import {
  applyPod,
  createNamespace,
  createPod,
  discardPod,
  isInjected,
  PODINIT_PATH,
  waitReady,
  type LivePod,
} from "./cluster-pods.js";
import { busyboxPod, INJECT_LABEL } from "./cluster-scenario.js";
import { modeSettlingOn } from "./auto-mode.js";
import { ADDED_CONTAINER, installSecondWebhook, SECOND_WEBHOOK_LABEL } from "./second-webhook.js";

const cluster = inject("cluster");
const mode = inject("mode");

interface Case {
  readonly title: string;
  /** Objects the namespace holds before the pod comes (LimitRange, ResourceQuota). */
  readonly namespaceObjects?: readonly object[];
  /**
   * Runs in `namespace` and throws (or fails an expect) when the pod does not work there;
   * returns the pods it created, as the API server admitted them.
   */
  readonly works: (namespace: string) => Promise<readonly LivePod[]>;
}

/** How the webhook says it brought podinit in, and whether an installer runs. */
const delivery = (pod: LivePod) => ({
  mode: (JSON.parse(pod.metadata.annotations?.["podinit.dev/status"] ?? "{}") as { mode?: string })
    .mode,
  installer: (pod.spec.initContainers ?? []).some(c => c.name === "podinit-install"),
});

/** A LimitRange of one item. */
const limitRange = (name: string, item: object) => ({
  apiVersion: "v1",
  kind: "LimitRange",
  metadata: { name },
  spec: { limits: [item] },
});

const app = (name: string, namespace: string, extra: Partial<PodManifest["spec"]> = {}) => {
  const pod = busyboxPod(name, namespace, {
    command: ["sh", "-c", "echo started; sleep 1000"],
    graceSeconds: 1,
  });
  return { ...pod, spec: { ...pod.spec, ...extra } };
};

const resources = (cpu: string, memory: string) => ({
  requests: { cpu, memory },
  limits: { cpu, memory },
});

/** Burstable: the installer then gets its configured size (a Guaranteed pod's is its limits). */
const BURSTABLE = {
  requests: { cpu: "100m", memory: "64Mi" },
  limits: { cpu: "200m", memory: "64Mi" },
};

function withResources(pod: PodManifest, value: object): PodManifest {
  const [first, ...rest] = pod.spec.containers;
  return {
    ...pod,
    spec: { ...pod.spec, containers: [{ ...first, name: "app", resources: value }, ...rest] },
  };
}

async function runsToReady(
  pod: PodManifest,
  flags: readonly string[] = [],
): Promise<readonly LivePod[]> {
  const created = await createPod(cluster, pod, flags);
  try {
    await waitReady(cluster, created.metadata.namespace, created.metadata.name, 45);
  } finally {
    await discardPod(cluster, created.metadata.namespace, created.metadata.name);
  }
  return [created];
}

/** The pod as admitted, its QoS class expected to be `qos`. */
async function admittedAs(pod: PodManifest, qos: string): Promise<readonly LivePod[]> {
  const created = await createPod(cluster, pod);
  await discardPod(cluster, created.metadata.namespace, created.metadata.name);
  expect(created.status?.qosClass).toBe(qos);
  return [created];
}

/** `kubectl apply` of one bare pod's manifest twice (server-side with `serverSide`): both succeed. */
async function appliesTwice(
  namespace: string,
  name: string,
  serverSide: boolean,
): Promise<readonly LivePod[]> {
  const pod = app(name, namespace);
  const first = await applyPod(cluster, pod, serverSide);
  const second = await applyPod(cluster, pod, serverSide);
  await discardPod(cluster, namespace, name);
  expect(first.exitCode, first.stderr).toBe(0);
  expect(second.exitCode, second.stderr).toBe(0);
  const [admitted, reapplied] = [first, second].map(r => JSON.parse(r.stdout) as LivePod);
  if (admitted === undefined || reapplied === undefined) throw new Error("no pod applied");
  // Whatever the second apply sent, the pod kept the commands it was admitted with.
  expect(reapplied.spec.containers).toEqual(admitted.spec.containers);
  return [admitted];
}

/**
 * A kubeconfig that impersonates the admin with one extra key: kubectl before 1.35 has no
 * `--as-user-extra`, and a kubeconfig's `as-user-extra` works in every release.
 */
function impersonating(key: string, values: readonly string[], namespace: string): string {
  const config = JSON.parse(readFileSync(kubeconfigPath(cluster.dir, "admin"), "utf8")) as {
    users: { user: Record<string, unknown> }[];
  };
  for (const { user } of config.users) {
    user["as"] = "podinit-admin";
    user["as-groups"] = ["system:masters"];
    // Parsed, so that `__proto__` is an own key: in an object literal it would set the prototype.
    user["as-user-extra"] = JSON.parse(`{${JSON.stringify(key)}:${JSON.stringify(values)}}`);
  }
  // One file per namespace: the cases run at once, and a file being rewritten reads as empty.
  const path = join(cluster.dir, "config", `impersonating-${namespace}.kubeconfig`);
  writeFileSync(path, JSON.stringify(config));
  return path;
}

const CASES: readonly Case[] = [
  {
    title: "a pod whose securityContext says runAsUser: 0 starts",
    works: namespace => runsToReady(app("root", namespace, { securityContext: { runAsUser: 0 } })),
  },
  {
    title: "a root pod whose app runs as UID 12345, group 0, on a read-only root filesystem starts",
    works: async namespace => {
      const pod = app("other-uid", namespace, { securityContext: { runAsUser: 0, fsGroup: 2000 } });
      const [first] = pod.spec.containers;
      const securityContext = { runAsUser: 12345, runAsGroup: 0, readOnlyRootFilesystem: true };
      return runsToReady({
        ...pod,
        spec: { ...pod.spec, containers: [{ ...first, name: "app", securityContext }] },
      });
    },
  },
  {
    // Above a day (podinit's longest grace period) the webhook once wrote a flag podinit refused.
    title: "a pod with terminationGracePeriodSeconds 100000 starts",
    works: namespace =>
      runsToReady(app("long-grace", namespace, { terminationGracePeriodSeconds: 100_000 })),
  },
  {
    title: "a Guaranteed pod stays Guaranteed",
    works: namespace =>
      admittedAs(
        withResources(app("guaranteed", namespace), resources("100m", "64Mi")),
        "Guaranteed",
      ),
  },
  {
    title: "a BestEffort pod stays BestEffort",
    works: namespace => admittedAs(app("best-effort", namespace), "BestEffort"),
  },
  {
    title: "a namespace whose LimitRange has min cpu 50m admits and runs the pod",
    namespaceObjects: [limitRange("cpu-min", { type: "Container", min: { cpu: "50m" } })],
    works: namespace => runsToReady(withResources(app("limit-min", namespace), BURSTABLE)),
  },
  {
    title: "a namespace whose LimitRange has maxLimitRequestRatio cpu 4 admits and runs the pod",
    namespaceObjects: [
      limitRange("cpu-ratio", { type: "Container", maxLimitRequestRatio: { cpu: "4" } }),
    ],
    works: namespace => runsToReady(withResources(app("limit-ratio", namespace), BURSTABLE)),
  },
  {
    // LimitRanger compares whole millicores rounded up: a 12.5m limit over 10m reads as 1.3.
    title: "a namespace whose LimitRange has maxLimitRequestRatio cpu 1.25 admits and runs the pod",
    namespaceObjects: [
      limitRange("cpu-ratio", { type: "Container", maxLimitRequestRatio: { cpu: "1.25" } }),
    ],
    works: namespace =>
      runsToReady(
        withResources(app("limit-ratio-fine", namespace), {
          requests: { cpu: "100m", memory: "64Mi" },
          limits: { cpu: "125m", memory: "64Mi" },
        }),
      ),
  },
  {
    title: "a pod with pod-level limits in a namespace whose LimitRange sets defaults runs",
    namespaceObjects: [
      limitRange("defaults", { type: "Container", default: { cpu: "500m", memory: "512Mi" } }),
    ],
    works: namespace => {
      const pod = app("pod-level", namespace, {
        resources: { limits: { cpu: "1", memory: "1Gi" } },
      });
      return runsToReady(withResources(pod, { requests: { cpu: "100m", memory: "64Mi" } }));
    },
  },
  {
    title: "four pods of 5m CPU fill a ResourceQuota of requests.cpu 20m exactly",
    namespaceObjects: [
      {
        apiVersion: "v1",
        kind: "ResourceQuota",
        metadata: { name: "cpu" },
        spec: { hard: { "requests.cpu": "20m" } },
      },
    ],
    works: async namespace => {
      // Until the quota controller has counted the namespace, the API server refuses every pod.
      await pollUntil(
        () => kubectlOk(cluster, ["get", "resourcequota", "cpu", "-n", namespace, "-o", "json"]),
        json => (JSON.parse(json) as { status?: { hard?: object } }).status?.hard !== undefined,
        30_000,
      );
      const pods: LivePod[] = [];
      for (const index of [1, 2, 3, 4]) {
        const pod = withResources(app(`quota-${index}`, namespace), { requests: { cpu: "5m" } });
        pods.push(await createPod(cluster, pod));
      }
      return pods;
    },
  },
  {
    // userInfo.extra keys are whatever an authenticator says (here impersonation): `__proto__`
    // reaches the webhook. `constructor` is a valid label and annotation key (`__proto__` is not:
    // the API server's validation refuses it, webhook or not).
    title:
      "a pod from a user whose extra info has a key named __proto__, with a label and an annotation named constructor, starts and keeps them",
    works: async namespace => {
      const pod = app("proto-keys", namespace);
      const metadata = {
        ...pod.metadata,
        labels: { ...(pod.metadata["labels"] as object), constructor: "x" },
        annotations: { constructor: "y" },
      };
      const [created] = await runsToReady({ ...pod, metadata }, [
        `--kubeconfig=${impersonating("__proto__", ["x"], namespace)}`,
      ]);
      expect(created?.metadata.labels?.["constructor"]).toBe("x");
      expect(created?.metadata.annotations?.["constructor"]).toBe("y");
      return created === undefined ? [] : [created];
    },
  },
  {
    title: "`kubectl apply` of the same bare-pod manifest twice succeeds",
    works: namespace => appliesTwice(namespace, "applied", false),
  },
  {
    title: "server-side apply of the same bare-pod manifest twice succeeds",
    works: namespace => appliesTwice(namespace, "applied-ssa", true),
  },
];

/** Where the pod goes: without the label, with it, or with it and a namespace that asks for the installer. */
type Placement = "off" | "on" | "asks-installer";

let namespaces = 0;
async function namespaceFor(c: Case, placement: Placement): Promise<string> {
  const name = `safety-${++namespaces}-${placement}`;
  await createNamespace(
    cluster,
    name,
    placement === "off" ? {} : INJECT_LABEL,
    placement === "asks-installer" ? { "podinit.dev/mode": "initContainer" } : {},
  );
  // The webhook learns of the namespace's annotation from its watch: a dry run shows when (before
  // the LimitRange or quota, which would refuse the bare dry-run pod).
  if (placement === "asks-installer") await modeSettlingOn(cluster, "initContainer", 10_000, name);
  for (const object of c.namespaceObjects ?? []) {
    await kubectlOk(cluster, ["apply", "-n", name, "-f", "-"], { input: JSON.stringify(object) });
  }
  return name;
}

/** Every pod was wrapped, in `expected` mode. */
function expectWrapped(pods: readonly LivePod[], expected: string): void {
  expect(pods.length).toBeGreaterThan(0);
  expect(pods.filter(pod => !isInjected(pod)).map(pod => pod.metadata.annotations)).toEqual([]);
  for (const pod of pods)
    expect(delivery(pod)).toEqual({ mode: expected, installer: expected === "initContainer" });
}

// Concurrent: each case has namespaces of its own and nothing here is timed; a few pods at once
// start as they would one by one, and the suite takes half as long.
describe.concurrent(
  `Kubernetes ${cluster.release.key}: a pod that works without podinit works with it`,
  () => {
    for (const c of CASES) {
      it(`without podinit: ${c.title}`, async () => {
        const pods = await c.works(await namespaceFor(c, "off"));
        expect(pods.length).toBeGreaterThan(0);
        expect(pods.filter(isInjected)).toEqual([]);
      });
      it(`with podinit (${mode}): ${c.title}`, async () => {
        expectWrapped(await c.works(await namespaceFor(c, "on")), mode);
      });
      // Under imageVolume, a namespace's podinit.dev/mode still brings the installer back, with
      // everything it must fit: LimitRanges, quota, QoS, PodSecurity.
      if (mode === "imageVolume")
        it(`with podinit (initContainer, the namespace's podinit.dev/mode): ${c.title}`, async () => {
          expectWrapped(await c.works(await namespaceFor(c, "asks-installer")), "initContainer");
        });
    }
  },
);

describe(`Kubernetes ${cluster.release.key}: another webhook adds a container after podinit`, () => {
  const images = inject("images");
  beforeAll(() => installSecondWebhook(cluster, images.webhook, images.busybox));

  /** The commands of the pod as created, once it ran to Ready: wrapped or not, it must start. */
  const commandsOf = async (namespace: string) => {
    const pod = await createPod(cluster, app("with-shipper", namespace));
    try {
      await waitReady(cluster, namespace, "with-shipper", 45);
    } finally {
      await discardPod(cluster, namespace, "with-shipper");
    }
    return new Map(pod.spec.containers.map(c => [c.name, c.command ?? []]));
  };

  it("without podinit: the other webhook's container is added (the case is fair)", async () => {
    const namespace = "shipper-off";
    await createNamespace(cluster, namespace, SECOND_WEBHOOK_LABEL);
    const commands = await commandsOf(namespace);
    expect(commands.get(ADDED_CONTAINER)).toEqual(["sh", "-c", "echo shipping; sleep 1000"]);
  });

  it("with podinit: the API server calls podinit again and the added container is wrapped too", async () => {
    const namespace = "shipper-on";
    await createNamespace(cluster, namespace, { ...SECOND_WEBHOOK_LABEL, ...INJECT_LABEL });
    const commands = await commandsOf(namespace);
    expect(commands.get("app")?.[0]).toBe(PODINIT_PATH);
    const shipper = commands.get(ADDED_CONTAINER) ?? [];
    expect(shipper[0]).toBe(PODINIT_PATH);
    expect(shipper.slice(shipper.indexOf("--") + 1)).toEqual([
      "sh",
      "-c",
      "echo shipping; sleep 1000",
    ]);
  });
});
