// `make bench` on the real test clusters: what `kubectl delete pod` and the runtime's StopContainer cost bare and injected, and what injection adds to create → Ready.

import { setTimeout as sleep } from "node:timers/promises";

import type { PodManifest } from "../test/support/e2e/pod-manifest.js";
import { stopCluster, type Cluster } from "../e2e/cluster/cluster.js";
import { createNamespace, discardPod, nodeImagePod } from "../e2e/cluster/cluster-pods.js";
import { SUPPORTED_RELEASES, type ClusterRelease } from "../e2e/cluster/components.js";
import { stopOnCluster } from "../e2e/cluster/cluster-stop.js";
import { kubectlOk } from "../e2e/cluster/kubectl.js";
import {
  clusterImages,
  clusterWithPodinit,
  type ClusterImages,
} from "../e2e/cluster/podinit-release.js";
import type { InjectionMode } from "../webhook/src/mutation/settings.js";
import { median, nearestRank } from "./median.js";
import type { BenchSection, Check } from "./report.js";

const INJECTED = "bench-on";
const BARE = "bench-off";
/** Short, so that ten bare samples are affordable; the kubelet's share varies by up to a second. */
const GRACE_SECONDS = 5;
/** `kubectl delete` of an injected `sh -c` pod, the bar for "stops at once". */
const INJECTED_DELETE_TARGET_MS = 1500;
/** What the image-volume mode may add to create → Ready: nothing runs before the app. */
const IMAGE_VOLUME_READY_TARGET_MS = 50;

interface BenchRun {
  readonly release: ClusterRelease;
  readonly mode: InjectionMode;
}

/** Every supported release in the copy mode; those whose runtime mounts image volumes in both. */
function benchRuns(): BenchRun[] {
  return SUPPORTED_RELEASES.flatMap((release): BenchRun[] => [
    { release, mode: "initContainer" },
    ...(release.imageVolumes ? [{ release, mode: "imageVolume" as const }] : []),
  ]);
}

const label = (f: Pick<ClusterFigures, "release" | "mode">): string =>
  `${f.release.kubernetes.replace("kubernetes-", "")}, ${f.mode}`;

interface StopSample {
  readonly deleteMs: number;
  readonly stopMs: number;
  readonly exitCode: number;
}

interface ClusterFigures {
  readonly release: ClusterRelease;
  readonly mode: InjectionMode;
  readonly stops: {
    readonly bare: StopSample[];
    /** The bare pod plus an init container that runs `true`: what any init container costs. */
    readonly bareWithInit: StopSample[];
    readonly injected: StopSample[];
  };
  readonly ready: { readonly bare: number[]; readonly injected: number[] };
}

function wrapperPod(
  name: string,
  namespace: string,
  busybox: string,
  initContainer = false,
): PodManifest {
  return nodeImagePod(busybox, name, namespace, {
    command: ["sh", "-c", "echo started; sleep 1000; echo never"],
    graceSeconds: GRACE_SECONDS,
    ...(initContainer
      ? {
          initContainers: [
            { name: "init", image: busybox, imagePullPolicy: "Never", command: ["true"] },
          ],
        }
      : {}),
  });
}

/**
 * The kubelet's generic PLEG relists containers every second, and its pod worker syncs a pod only
 * on a relist newer than its last sync of the pod: a deleted pod is torn down at the next relist
 * after its containers stopped, and one deleted within a second of its last sync also waits for
 * a relist before they are stopped.
 */
const RELIST_PERIOD_MS = 1000;

/**
 * Deletes the pod once it has run a whole relist period, and at the `phase` (0 ≤ phase < 1) of
 * the next one: stepping the phase over the samples weighs every moment of the kubelet's cycle
 * alike, as pods deleted at any time do. Deleting at once after `started` would always land at
 * the same point of the cycle (the pod became Ready on a relist) and add a second wait.
 */
async function stopSample(cluster: Cluster, pod: PodManifest, phase: number): Promise<StopSample> {
  const stop = await stopOnCluster(cluster, pod, "started", RELIST_PERIOD_MS * (1 + phase));
  return { deleteMs: stop.deletion.deleteMs, stopMs: stop.stopMs, exitCode: stop.exitCode };
}

/** From before `kubectl create` to `kubectl wait` seeing Ready: the same two commands for both twins. */
async function createToReadyMs(cluster: Cluster, pod: PodManifest): Promise<number> {
  const { namespace, name } = pod.metadata as { namespace: string; name: string };
  const started = performance.now();
  await kubectlOk(cluster, ["create", "-f", "-"], { input: JSON.stringify(pod) });
  // kubectl wait watches the pod: Ready is seen as soon as the API server has it.
  await kubectlOk(
    cluster,
    ["wait", "--for=condition=Ready", `pod/${name}`, "-n", namespace, "--timeout=120s"],
    { timeoutMs: 150_000 },
  );
  return performance.now() - started;
}

async function measure(
  { release, mode }: BenchRun,
  images: ClusterImages,
  quick: boolean,
): Promise<ClusterFigures> {
  const cluster = await clusterWithPodinit(release, images, mode);
  try {
    await createNamespace(cluster, INJECTED, { "podinit.dev/inject": "enabled" });
    await createNamespace(cluster, BARE);
    const figures: ClusterFigures = {
      release,
      mode,
      stops: { bare: [], bareWithInit: [], injected: [] },
      ready: { bare: [], injected: [] },
    };
    // Warm-up: the first pod of a node pays for the image's first unpack and the webhook's JIT.
    for (const namespace of [BARE, INJECTED]) {
      await createToReadyMs(cluster, wrapperPod("warm-up", namespace, images.busybox));
      await discardPod(cluster, namespace, "warm-up");
    }
    const samples = quick ? 2 : 10;
    for (let i = 0; i < samples; i++) {
      const phase = i / samples;
      figures.stops.bare.push(
        await stopSample(cluster, wrapperPod(`stop-${i}`, BARE, images.busybox), phase),
      );
      figures.stops.bareWithInit.push(
        await stopSample(cluster, wrapperPod(`stop-init-${i}`, BARE, images.busybox, true), phase),
      );
      figures.stops.injected.push(
        await stopSample(cluster, wrapperPod(`stop-${i}`, INJECTED, images.busybox), phase),
      );
    }
    // Alternating pairs, the order swapped every pair, so drift on the host hits both alike.
    for (let i = 0; i < (quick ? 4 : 10); i++) {
      const order = i % 2 === 0 ? [BARE, INJECTED] : [INJECTED, BARE];
      for (const namespace of order) {
        const ms = await createToReadyMs(
          cluster,
          wrapperPod(`ready-${i}`, namespace, images.busybox),
        );
        (namespace === BARE ? figures.ready.bare : figures.ready.injected).push(ms);
      }
      for (const namespace of order) {
        await discardPod(cluster, namespace, `ready-${i}`);
      }
      await sleep(200);
    }
    return figures;
  } finally {
    await stopCluster(release);
  }
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** What `kubectl delete` took beyond the runtime's stop of the container. */
function kubeletShare(samples: readonly StopSample[]): number {
  return median(samples.map(s => s.deleteMs - s.stopMs));
}

/** How much more of the kubelet's share an injected pod may take than its twin: noise. */
const KUBELET_SHARE_SLACK_MS = 250;
const millis = (ms: number) => `${Math.round(ms)} ms`;

function markdown(all: readonly ClusterFigures[], quick: boolean): string {
  const lines = [
    "Each cluster is one real node built from Kubernetes' own components (e2e/cluster), with the",
    "chart installed by Helm 4. The pod is `sh -c 'echo started; sleep 1000; echo never'` with a",
    `${GRACE_SECONDS} s grace period, in a namespace labelled \`podinit.dev/inject=enabled\` and in`,
    "an unlabelled twin. `kubectl delete` is the wall time of `kubectl delete pod --wait`, issued",
    `${RELIST_PERIOD_MS / 1000} s after the pod logged \`started\` plus a delay stepped evenly over one more second`,
    "from sample to sample; StopContainer is containerd's own log, from the kubelet's call to its",
    "return.",
    "",
    "| cluster | pod | kubectl delete (median) | StopContainer (median) | the rest: the kubelet's (median) | exit code |",
    "| --- | --- | --- | --- | --- | --- |",
  ];
  for (const figures of all) {
    for (const [pod, samples] of [
      ["bare", figures.stops.bare],
      ["bare + an init container (`true`)", figures.stops.bareWithInit],
      ["injected", figures.stops.injected],
    ] as const) {
      lines.push(
        `| ${label(figures)} | ${pod} | ${seconds(median(samples.map(s => s.deleteMs)))} | ${seconds(median(samples.map(s => s.stopMs)))} | ${seconds(kubeletShare(samples))} | ${[...new Set(samples.map(s => s.exitCode))].join(", ")} |`,
      );
    }
  }
  lines.push(
    "",
    "The rest of `kubectl delete`, after containerd has stopped the container, is the kubelet's",
    "own work (its status update, the sandbox, volumes and cgroups torn down, the final delete),",
    "kubectl's start, and mostly waiting: the kubelet's pod worker acts on a pod only after a",
    "container relist (every second) newer than its last sync of the pod, so the teardown waits",
    "for the next relist, half a second on average. A pod deleted within a second of its last",
    "sync also waits for a relist before its containers are stopped, for as long as the point of",
    "the cycle where it became Ready leaves: deleting at once after `started`, as this benchmark",
    "did before, measured one point of that cycle alone (1.7–1.8 s with an init container, podinit",
    "or not, and 1.0–1.1 s without, on these nodes).",
  );
  lines.push(
    "",
    `Create → Ready (\`kubectl create\` to \`kubectl wait\` seeing Ready), ${all[0]?.ready.bare.length ?? 0} alternating pairs${quick ? " (--quick)" : ""}:`,
    "",
    "| cluster | bare median | bare p90 | injected median | injected p90 | added (median) |",
    "| --- | --- | --- | --- | --- | --- |",
  );
  for (const figures of all) {
    const { ready } = figures;
    lines.push(
      `| ${label(figures)} | ${millis(median(ready.bare))} | ${millis(nearestRank(ready.bare, 0.9))} | ${millis(median(ready.injected))} | ${millis(nearestRank(ready.injected, 0.9))} | +${millis(median(ready.injected) - median(ready.bare))} |`,
    );
  }
  lines.push(
    "",
    "In the initContainer mode the injected pod starts one more container (podinit's installer)",
    "before the app: that is the added time. The imageVolume mode starts none: the kubelet mounts",
    "podinit's image beside the app's.",
  );
  return lines.join("\n");
}

function checks(all: readonly ClusterFigures[]): Check[] {
  return all.flatMap(figures => {
    const { stops, ready } = figures;
    const name = label(figures);
    const injected = median(stops.injected.map(s => s.deleteMs));
    const bare = median(stops.bare.map(s => s.stopMs));
    const added = median(ready.injected) - median(ready.bare);
    const startup: Check[] =
      figures.mode === "imageVolume"
        ? [
            {
              name: `cluster ${name}: create → Ready, injected vs an unlabelled twin`,
              target: `≤ + ${IMAGE_VOLUME_READY_TARGET_MS} ms (median of alternating pairs)`,
              measured: `+${millis(added)}`,
              pass: added <= IMAGE_VOLUME_READY_TARGET_MS,
            },
          ]
        : [];
    return [
      ...startup,
      {
        name: `cluster ${name}: kubectl delete of an injected sh -c pod`,
        target: `< ${seconds(INJECTED_DELETE_TARGET_MS)}`,
        measured: seconds(injected),
        pass: injected < INJECTED_DELETE_TARGET_MS,
      },
      {
        name: `cluster ${name}: the kubelet's share of kubectl delete, injected vs bare with an init container`,
        target: `≤ + ${KUBELET_SHARE_SLACK_MS} ms`,
        measured: `${seconds(kubeletShare(stops.injected))} vs ${seconds(kubeletShare(stops.bareWithInit))}`,
        pass:
          kubeletShare(stops.injected) <= kubeletShare(stops.bareWithInit) + KUBELET_SHARE_SLACK_MS,
      },
      {
        name: `cluster ${name}: the bare pod's StopContainer waits out the grace period`,
        target: `≥ ${GRACE_SECONDS} s (SIGKILL at its end)`,
        measured: seconds(bare),
        pass: bare >= GRACE_SECONDS * 1000,
      },
    ];
  });
}

export async function benchCluster(quick: boolean): Promise<BenchSection> {
  const images = await clusterImages();
  const all: ClusterFigures[] = [];
  for (const run of benchRuns()) all.push(await measure(run, images, quick));
  return { title: "Real clusters", markdown: markdown(all, quick), checks: checks(all) };
}
