// Pods stopped like the kubelet without and with podinit, each with what must differ (or not) between the two.

import { expect } from "vitest";

import type { PodStop } from "../test/support/e2e/kubelet-stop.js";
import type { PodManifest } from "../test/support/e2e/pod-manifest.js";
import { simplePod } from "../test/support/e2e/simple-pod.js";

export interface ScenarioImages {
  readonly busybox: string;
  readonly scratchApp: string;
  readonly debian: string;
}

/**
 * What a scenario judges of a stopped pod, on any back end: podman stopped like the kubelet
 * (PodStop) or a real kubelet (e2e/cluster).
 */
export interface StopOutcome extends Pick<PodStop, "stopMs" | "exitCode" | "killed"> {
  /** The first app container's output, stdout and stderr as written. */
  readonly logs: { readonly text: string };
}

export interface StopScenario {
  readonly title: string;
  readonly pod: (images: ScenarioImages) => PodManifest;
  /** Logged by the app once it is ready to be stopped (its traps are set). */
  readonly ready: string;
  /** What the pod's podinit.dev annotations ask of the webhook, as podinit flags for the hand injection. */
  readonly handFlags?: readonly string[];
  readonly check: (plain: StopOutcome, withPodinit: StopOutcome) => void;
}

/** What PodSecurity's `restricted` level asks of a container, and a read-only root on top. */
export const RESTRICTED_SECURITY_CONTEXT = {
  runAsNonRoot: true,
  runAsUser: 1000,
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ["ALL"] },
  seccompProfile: { type: "RuntimeDefault" },
} as const;

const GRACE_SECONDS = 3;

export const STOP_SCENARIOS: readonly StopScenario[] = [
  {
    title: "sh -c wrapping a long-running app: killed after the grace period, or stopped at once",
    pod: ({ busybox }) =>
      simplePod("sh-wrapper", {
        image: busybox,
        command: ["sh", "-c", "echo started; sleep 1000; echo never"],
        graceSeconds: GRACE_SECONDS,
      }),
    ready: "started",
    check: (plain, withPodinit) => {
      expect(plain.killed).toBe(true);
      expect(plain.exitCode).toBe(137);
      expect(withPodinit.killed).toBe(false);
      expect(withPodinit.exitCode).toBe(143);
    },
  },
  {
    title: "a bash entrypoint script on Debian that runs its server without exec",
    pod: ({ debian }) =>
      simplePod("debian-entrypoint", {
        image: debian,
        command: ["bash", "-c", "echo started; sleep 1000 & server=$!; wait $server; echo never"],
        graceSeconds: GRACE_SECONDS,
      }),
    ready: "started",
    check: (plain, withPodinit) => {
      expect(plain.killed).toBe(true);
      expect(withPodinit.killed).toBe(false);
      expect(withPodinit.exitCode).toBe(143);
    },
  },
  {
    title: "a PSA-restricted container (non-root, no capabilities, read-only root) stops at once",
    pod: ({ busybox }) =>
      simplePod("restricted", {
        image: busybox,
        command: ["sh", "-c", "echo started; signal-app; echo never"],
        graceSeconds: GRACE_SECONDS,
        container: { securityContext: RESTRICTED_SECURITY_CONTEXT },
      }),
    ready: "signal-app: ready",
    check: (plain, withPodinit) => {
      expect(plain.killed).toBe(true);
      expect(plain.logs.text).not.toContain("received");
      expect(withPodinit.killed).toBe(false);
      expect(withPodinit.logs.text).toContain("received SIGTERM");
    },
  },
  {
    title: "a script with two background workers: both finish their cleanup under podinit",
    pod: ({ busybox }) =>
      simplePod("two-workers", {
        image: busybox,
        command: [
          "sh",
          "-c",
          [
            'worker() { trap "echo worker $1 stopping; sleep 0.5; echo worker $1 done; exit 0" TERM;',
            "  echo worker $1 ready; while :; do sleep 0.1; done; }",
            // Worker 2 announces itself last, after its trap is set and 0.2 s after worker 1 started.
            "worker 1 & sleep 0.2; worker 2 & wait",
          ].join("\n"),
        ],
        // podinit's share is this minus the webhook's 2 s margin: ample for a 0.5 s cleanup on a busy CI machine.
        graceSeconds: 10,
      }),
    ready: "worker 2 ready",
    check: (plain, withPodinit) => {
      expect(plain.killed).toBe(true);
      expect(plain.logs.text).not.toContain("done");
      expect(withPodinit.killed).toBe(false);
      expect(withPodinit.logs.text).toContain("worker 1 done");
      expect(withPodinit.logs.text).toContain("worker 2 done");
      expect(withPodinit.stopMs).toBeLessThan(plain.stopMs);
    },
  },
  {
    title: "an app that traps SIGTERM and needs 3 s: the same under both, inside the grace period",
    pod: ({ scratchApp }) =>
      simplePod("slow-shutdown", {
        image: scratchApp,
        command: ["/app", "--linger-ms", "3000", "--exit-code", "0"],
        graceSeconds: 10,
      }),
    ready: "ready",
    check: (plain, withPodinit) => {
      for (const stop of [plain, withPodinit]) {
        expect(stop.killed).toBe(false);
        expect(stop.exitCode).toBe(0);
        expect(stop.logs.text).toContain("received SIGTERM");
        expect(stop.logs.text).toContain("exiting 0");
      }
    },
  },
  {
    title: "a grace period that runs out: podinit kills the tree itself before the kubelet has to",
    pod: ({ busybox }) =>
      simplePod("ignores-term", {
        image: busybox,
        command: ["sh", "-c", 'trap "" TERM; echo started; sleep 1000'],
        graceSeconds: GRACE_SECONDS,
      }),
    ready: "started",
    check: (plain, withPodinit) => {
      expect(plain.killed).toBe(true);
      expect(withPodinit.killed).toBe(false);
      expect(withPodinit.exitCode).toBe(137);
    },
  },
  {
    title: "a rewritten stop signal reaches the app instead of SIGTERM",
    pod: ({ scratchApp }) => {
      const pod = simplePod("stop-signal", {
        image: scratchApp,
        command: ["/app", "--exit-code", "0"],
        graceSeconds: GRACE_SECONDS,
      });
      return {
        ...pod,
        metadata: { ...pod.metadata, annotations: { "podinit.dev/stop-signal": "QUIT" } },
      };
    },
    ready: "ready",
    handFlags: ["--stop-signal=QUIT"],
    check: (plain, withPodinit) => {
      expect(plain.logs.text).toContain("received SIGTERM");
      expect(withPodinit.logs.text).toContain("received SIGQUIT");
      expect(withPodinit.logs.text).not.toContain("received SIGTERM");
      expect(withPodinit.killed).toBe(false);
    },
  },
];
