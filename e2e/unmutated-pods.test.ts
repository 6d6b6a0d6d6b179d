// The "before" half of the issue-6 comparisons: plain pods, no podinit, stopped like the kubelet does.
import { afterEach, beforeAll, describe, expect, it } from "vitest";

import { busyboxImage } from "../test/support/e2e/busybox-image.js";
import { countZombies } from "../test/support/e2e/container-processes.js";
import { stopLikeKubelet } from "../test/support/e2e/kubelet-stop.js";
import {
  containerLogs,
  containerProcesses,
  removeAllPods,
  runPod,
  waitForExit,
} from "../test/support/e2e/pod-run.js";
import { pollUntil } from "../test/support/e2e/poll.js";
import { scratchAppImage } from "../test/support/e2e/scratch-app-image.js";
import { simplePod } from "../test/support/e2e/simple-pod.js";
import { orphansHaveExited, orphansPod, ORPHANS } from "./scenario-pods.js";

const GRACE_SECONDS = 3;
let busybox = "";

beforeAll(async () => {
  busybox = await busyboxImage();
});

afterEach(removeAllPods);

describe("an unmutated pod stopped like the kubelet", () => {
  it("is SIGKILLed after the grace period when PID 1 is a shell that ignores SIGTERM", async () => {
    const pod = await runPod(
      simplePod("plain-sh-sleep", {
        image: busybox,
        command: ["sh", "-c", "echo started; sleep 1000; echo never"],
        graceSeconds: GRACE_SECONDS,
      }),
      { waitForLog: { pattern: "started" } },
    );
    const stop = await stopLikeKubelet(pod);
    expect(stop.killed).toBe(true);
    expect(stop.exitCode).toBe(137);
    expect(stop.stopMs).toBeGreaterThanOrEqual(GRACE_SECONDS * 1000);
  });

  it("exits promptly with the app's code when the app traps SIGTERM", async () => {
    const pod = await runPod(
      simplePod("plain-trap-term", {
        image: busybox,
        command: [
          "sh",
          "-c",
          'trap "echo got TERM; exit 3" TERM; echo ready; sleep 1000 & wait $!',
        ],
        graceSeconds: GRACE_SECONDS,
      }),
      { waitForLog: { pattern: "ready" } },
    );
    const stop = await stopLikeKubelet(pod);
    expect(stop.killed).toBe(false);
    expect(stop.exitCode).toBe(3);
    expect(stop.stopMs).toBeLessThan(GRACE_SECONDS * 1000);
    expect(stop.logs.text).toContain("got TERM");
  });

  it("honours a grace period given to stopLikeKubelet over the pod's own", async () => {
    const pod = await runPod(
      simplePod("plain-grace-override", {
        image: busybox,
        command: ["sh", "-c", "echo started; sleep 1000"],
        graceSeconds: 30,
      }),
      { waitForLog: { pattern: "started" } },
    );
    const stop = await stopLikeKubelet(pod, 1);
    expect(stop.killed).toBe(true);
    expect(stop.stopMs).toBeLessThan(30_000);
  });
});

describe("exit codes of pods that end on their own", () => {
  it.each([0, 3])("reports exit code %i", async code => {
    const pod = await runPod(
      simplePod(`plain-exit-${code}`, { image: busybox, command: ["sh", "-c", `exit ${code}`] }),
    );
    expect(await waitForExit(pod)).toBe(code);
    const stop = await stopLikeKubelet(pod, GRACE_SECONDS);
    expect(stop.containers[0]?.alreadyExited).toBe(true);
    expect(stop.exitCode).toBe(code);
  });
});

describe("init containers and emptyDir", () => {
  it("the app container sees the file the init container wrote", async () => {
    const pod = await runPod(
      simplePod("plain-init-emptydir", {
        image: busybox,
        command: [
          "sh",
          "-c",
          "cat /shared/message; touch /shared/probe 2>/dev/null && echo writable || echo read-only",
        ],
        initContainers: [
          {
            name: "writer",
            image: busybox,
            command: ["sh", "-c", "echo written-by-init > /shared/message"],
            volumeMounts: [{ name: "shared", mountPath: "/shared" }],
          },
        ],
        container: { volumeMounts: [{ name: "shared", mountPath: "/shared", readOnly: true }] },
        volumes: [{ name: "shared", emptyDir: { sizeLimit: "1Mi" } }],
      }),
    );
    expect(await waitForExit(pod)).toBe(0);
    const logs = await containerLogs(pod);
    expect(logs.lines.map(line => line.text)).toEqual(["written-by-init", "read-only"]);
  });
});

describe("zombies", () => {
  it("counts the orphans a non-reaping PID 1 leaves as zombies", async () => {
    const pod = await runPod(orphansPod("plain-orphans", busybox), {
      waitForLog: { pattern: "spawned" },
    });
    const processes = await pollUntil(() => containerProcesses(pod), orphansHaveExited, 10_000);
    expect(countZombies(processes)).toBe(ORPHANS);
    expect(processes.find(p => p.pid === 1)?.command).toBe("sleep");
  });
});

describe("an image with no shell", () => {
  it("runs a static program from a scratch image and shows the signal it received", async () => {
    const image = await scratchAppImage();
    const pod = await runPod(
      simplePod("plain-scratch-app", {
        image,
        command: ["/app", "--exit-code", "0"],
        graceSeconds: GRACE_SECONDS,
      }),
      { waitForLog: { pattern: "ready" } },
    );
    const stop = await stopLikeKubelet(pod);
    expect(stop.logs.text).toContain("received SIGTERM");
    expect(stop.exitCode).toBe(0);
    expect(stop.killed).toBe(false);
  });
});
