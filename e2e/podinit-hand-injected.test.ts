// podinit injected by hand the way the webhook will, each scenario beside the same pod without it.
import { afterEach, beforeAll, describe, expect, it } from "vitest";

import { busyboxImage } from "./harness/busybox-image.js";
import { countZombies } from "./harness/container-processes.js";
import { injectByHand } from "./harness/hand-injection.js";
import { stopLikeKubelet, type PodStop } from "./harness/kubelet-stop.js";
import type { PodManifest } from "./harness/pod-manifest.js";
import {
  containerLogs,
  containerProcesses,
  removeAllPods,
  runPod,
  waitForExit,
  type RunPodOptions,
} from "./harness/pod-run.js";
import { podinitImage } from "./harness/podinit-image.js";
import { pollUntil } from "./harness/poll.js";
import { scratchAppImage } from "./harness/scratch-app-image.js";
import { simplePod } from "./harness/simple-pod.js";
import { orphansHaveExited, orphansPod, ORPHANS } from "./scenario-pods.js";

const GRACE_SECONDS = 3;
let busybox = "";
let podinit = "";

beforeAll(async () => {
  busybox = await busyboxImage();
  podinit = await podinitImage();
});

afterEach(removeAllPods);

/** As the webhook does by default: podinit's grace is the pod's minus a 2 s margin, at least 1 s. */
function injected(pod: PodManifest, extraFlags: readonly string[] = []): PodManifest {
  const grace = Math.max(1, (pod.spec.terminationGracePeriodSeconds ?? 30) - 2);
  return injectByHand(pod, { image: podinit, flags: [`--grace-period=${grace}s`, ...extraFlags] });
}

async function runAndStop(pod: PodManifest, options: RunPodOptions): Promise<PodStop> {
  return stopLikeKubelet(await runPod(pod, options));
}

async function stopBoth(
  pod: PodManifest,
  options: RunPodOptions,
  extraFlags: readonly string[] = [],
): Promise<{ plain: PodStop; withPodinit: PodStop }> {
  const plain = await runAndStop(pod, options);
  const withPodinit = await runAndStop(injected(pod, extraFlags), options);
  return { plain, withPodinit };
}

describe("stopping like the kubelet, without and with podinit", () => {
  it("sh -c wrapping a long-running app: killed after the grace period, or stopped at once", async () => {
    const pod = simplePod("sh-wrapper", {
      image: busybox,
      command: ["sh", "-c", "echo started; sleep 1000; echo never"],
      graceSeconds: GRACE_SECONDS,
    });
    const { plain, withPodinit } = await stopBoth(pod, { waitForLog: { pattern: "started" } });
    expect(plain.killed).toBe(true);
    expect(plain.exitCode).toBe(137);
    expect(withPodinit.killed).toBe(false);
    expect(withPodinit.exitCode).toBe(143);
    expect(withPodinit.stopMs).toBeLessThan((GRACE_SECONDS * 1000) / 4);
  });

  it("a script with two background workers: both finish their cleanup under podinit", async () => {
    const script = [
      'worker() { trap "echo worker $1 stopping; sleep 0.5; echo worker $1 done; exit 0" TERM;',
      "  while :; do sleep 0.1; done; }",
      "worker 1 & worker 2 & echo ready; wait",
    ].join("\n");
    const pod = simplePod("two-workers", {
      image: busybox,
      command: ["sh", "-c", script],
      graceSeconds: GRACE_SECONDS,
    });
    const { plain, withPodinit } = await stopBoth(pod, { waitForLog: { pattern: "ready" } });
    expect(plain.killed).toBe(true);
    expect(plain.logs.text).not.toContain("done");
    expect(withPodinit.killed).toBe(false);
    expect(withPodinit.logs.text).toContain("worker 1 done");
    expect(withPodinit.logs.text).toContain("worker 2 done");
    expect(withPodinit.stopMs).toBeLessThan(GRACE_SECONDS * 1000);
  });

  it("an app that traps SIGTERM and needs 3 s: the same under both, well inside the grace period", async () => {
    const image = await scratchAppImage();
    const pod = simplePod("slow-shutdown", {
      image,
      command: ["/app", "--linger-ms", "3000", "--exit-code", "0"],
      graceSeconds: 10,
    });
    const { plain, withPodinit } = await stopBoth(pod, { waitForLog: { pattern: "ready" } });
    for (const stop of [plain, withPodinit]) {
      expect(stop.killed).toBe(false);
      expect(stop.exitCode).toBe(0);
      expect(stop.logs.text).toContain("received SIGTERM");
      expect(stop.logs.text).toContain("exiting 0");
      expect(stop.stopMs).toBeGreaterThanOrEqual(3000);
    }
  });

  it("a grace period that runs out: podinit kills the tree itself before the kubelet has to", async () => {
    const pod = simplePod("ignores-term", {
      image: busybox,
      command: ["sh", "-c", 'trap "" TERM; echo started; sleep 1000'],
      graceSeconds: GRACE_SECONDS,
    });
    const { plain, withPodinit } = await stopBoth(pod, { waitForLog: { pattern: "started" } });
    expect(plain.killed).toBe(true);
    expect(withPodinit.killed).toBe(false);
    expect(withPodinit.exitCode).toBe(137);
    expect(withPodinit.stopMs).toBeLessThan(GRACE_SECONDS * 1000);
  });

  it("a rewritten stop signal reaches the app instead of SIGTERM", async () => {
    const image = await scratchAppImage();
    const pod = simplePod("stop-signal", {
      image,
      command: ["/app", "--exit-code", "0"],
      graceSeconds: GRACE_SECONDS,
    });
    const { plain, withPodinit } = await stopBoth(pod, { waitForLog: { pattern: "ready" } }, [
      "--stop-signal=QUIT",
    ]);
    expect(plain.logs.text).toContain("received SIGTERM");
    expect(withPodinit.logs.text).toContain("received SIGQUIT");
    expect(withPodinit.logs.text).not.toContain("received SIGTERM");
    expect(withPodinit.killed).toBe(false);
  });
});

describe("zombies", () => {
  it("stay without podinit and are reaped with it", async () => {
    const ready = { waitForLog: { pattern: "spawned" } };
    const plain = await runPod(orphansPod("orphans", busybox), ready);
    const plainProcesses = await pollUntil(
      () => containerProcesses(plain),
      orphansHaveExited,
      10_000,
    );
    const withPodinit = await runPod(injected(orphansPod("orphans", busybox)), ready);
    const podinitProcesses = await pollUntil(
      () => containerProcesses(withPodinit),
      orphansHaveExited,
      10_000,
    );
    expect(countZombies(plainProcesses)).toBe(ORPHANS);
    expect(countZombies(podinitProcesses)).toBe(0);
    expect(podinitProcesses.find(p => p.pid === 1)?.command).toBe("podinit");
  });
});

describe("exit codes through podinit", () => {
  it.each([
    [0, "exit 0"],
    [3, "exit 3"],
    [138, "kill -USR1 $$; sleep 5"],
  ])("reports %i for `sh -c '%s'`", async (code, script) => {
    const pod = injected(
      simplePod(`exit-${code}`, { image: busybox, command: ["sh", "-c", script] }),
    );
    expect(await waitForExit(await runPod(pod))).toBe(code);
  });
});

describe("what runs under podinit is what the pod would have run", () => {
  it("has the same argv, environment, working directory and user", async () => {
    const report =
      'echo "argv: $0 $*"; echo "cwd: $(pwd)"; echo "user: $(id -u):$(id -g)"; env | sort';
    const pod = simplePod("same-process", {
      image: busybox,
      command: ["sh", "-c", report, "arg0", "one", "two words"],
      container: {
        workingDir: "/tmp",
        env: [{ name: "APP_SETTING", value: "kept" }],
        securityContext: { runAsUser: 1234, runAsGroup: 5678 },
      },
    });
    const plain = await runPod(pod);
    const withPodinit = await runPod(injected(pod));
    expect(await waitForExit(plain)).toBe(0);
    expect(await waitForExit(withPodinit)).toBe(0);
    // HOSTNAME is the pod's name, which differs between the two pods by construction.
    const lines = async (p: typeof plain) =>
      (await containerLogs(p)).lines.map(l => l.text).filter(t => !t.startsWith("HOSTNAME="));
    expect(await lines(withPodinit)).toEqual(await lines(plain));
    expect(await lines(plain)).toContain("user: 1234:5678");
  });
});
