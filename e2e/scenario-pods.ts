// Pods that several e2e files run, defined once so "plain" and "with podinit" run exactly the same thing.

import type { ContainerProcess } from "../test/support/e2e/container-processes.js";
import type { PodManifest } from "../test/support/e2e/pod-manifest.js";
import { simplePod } from "../test/support/e2e/simple-pod.js";

export const ORPHANS = 4;

/**
 * Each subshell exits at once, so its sleep is re-parented to PID 1; the shell then execs a
 * sleep that never calls wait(), as many apps never do. Logs "spawned" when the orphans exist.
 */
export function orphansPod(name: string, image: string): PodManifest {
  return simplePod(name, {
    image,
    command: [
      "sh",
      "-c",
      `for i in $(seq ${ORPHANS}); do (sleep 0.2 &); done; echo spawned; exec sleep 1000`,
    ],
    graceSeconds: 1,
  });
}

/** Every orphan has exited (reaped or a zombie): only the long sleep still runs. */
export function orphansHaveExited(
  processes: readonly Pick<ContainerProcess, "state" | "command">[],
): boolean {
  return processes.filter(p => p.command === "sleep" && p.state !== "Z").length <= 1;
}
