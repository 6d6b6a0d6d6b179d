// `kubectl delete pod` as a user runs it, timed, with the exit codes, container IDs and followed logs it left behind.

import { spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";

import { HarnessError } from "../../test/support/e2e/harness-error.js";
import type { Cluster } from "./cluster.js";
import { statusesOf, type LivePod } from "./cluster-pods.js";
import { kubectlCommand, kubectlOk } from "./kubectl.js";
import { enterArgs, nodeEnvironment } from "./node-namespace.js";

export interface PodDeletion {
  /** Wall time of `kubectl delete pod --wait`: what the user waits for. */
  readonly deleteMs: number;
  /** Each container's exit code (init containers too) in the last status the kubelet reported before the pod was gone. */
  readonly exitCodes: ReadonlyMap<string, number>;
  /** Each container's ID in the runtime (without the `containerd://`). */
  readonly containerIds: ReadonlyMap<string, string>;
  /** What `kubectl logs --follow --timestamps` printed for each followed container until it ended. */
  readonly logs: ReadonlyMap<string, string>;
}

interface WatchEvent {
  readonly type: string;
  readonly object: LivePod;
}

/** kubectl prints each watch event as an indented JSON object whose braces stand at column 0. */
export function parseWatchEvents(text: string): WatchEvent[] {
  return text
    .split(/\n(?=\{)/)
    .map(chunk => chunk.trim())
    .filter(chunk => chunk !== "")
    .map(chunk => JSON.parse(chunk) as WatchEvent);
}

function containerIdsOf(pod: LivePod | undefined): Map<string, string> {
  const ids = new Map<string, string>();
  for (const { name, containerID } of statusesOf(pod)) {
    if (containerID !== undefined) ids.set(name, containerID.replace(/^[a-z]+:\/\//, ""));
  }
  return ids;
}

function exitCodesOf(pod: LivePod | undefined): Map<string, number> {
  const codes = new Map<string, number>();
  for (const { name, state } of statusesOf(pod)) {
    const code = state?.terminated?.exitCode;
    if (code !== undefined) codes.set(name, code);
  }
  return codes;
}

/** A kubectl process inside the node that runs while the test goes on; its output so far. */
function backgroundKubectl(cluster: Cluster, args: readonly string[]) {
  const [program, programArgs] = kubectlCommand(cluster, args);
  const child = spawn(
    "nsenter",
    [...enterArgs(cluster.namespace, false), program, ...programArgs],
    {
      stdio: ["ignore", "pipe", "pipe"],
      env: nodeEnvironment(cluster.namespace),
    },
  );
  let output = "";
  let errors = "";
  child.stderr.on("data", (chunk: Buffer) => {
    errors += chunk.toString("utf8");
  });
  let ended = false;
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  child.on("close", () => {
    ended = true;
  });
  return {
    output: () => output,
    errors: () => errors,
    ended: () => ended,
    stop: () => child.kill("SIGKILL"),
  };
}

/** Waits for `condition`; on time-out the error says what did not happen. */
async function until(
  condition: () => boolean,
  timeoutMs: number,
  what: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new HarnessError("ERR_TIMEOUT", what());
    await sleep(25);
  }
}

/** The watch's events so far; a chunk the pipe has only half delivered yet is left out. */
function eventsSoFar(text: string): WatchEvent[] {
  try {
    return parseWatchEvents(text);
  } catch {
    return parseWatchEvents(text.slice(0, text.lastIndexOf("\n{")));
  }
}

/**
 * `kubectl delete pod --wait`, timed, while a watch records the pod's last reported status (the
 * exit codes are gone with the pod otherwise) and `kubectl logs -f` follows each container
 * named in `followLogs` to its end, as a log shipper would.
 */
export async function deletePod(
  cluster: Cluster,
  namespace: string,
  name: string,
  followLogs: readonly string[] = [],
): Promise<PodDeletion> {
  const watch = backgroundKubectl(cluster, [
    "get",
    "pod",
    name,
    "-n",
    namespace,
    "--watch",
    "--output-watch-events",
    "-o",
    "json",
  ]);
  const followers = followLogs.map(container => ({
    container,
    follower: backgroundKubectl(cluster, [
      "logs",
      "--follow",
      "--timestamps",
      name,
      "-n",
      namespace,
      "-c",
      container,
    ]),
  }));
  try {
    // The watch's first event is the pod as it is, and `logs --follow` prints what was logged so
    // far first: once both are there, nothing that follows is missed.
    await until(
      () => eventsSoFar(watch.output()).length > 0,
      10_000,
      () => `the watch of ${namespace}/${name} printed no event: ${watch.errors()}`,
    );
    for (const { container, follower } of followers) {
      await until(
        () => follower.output() !== "",
        10_000,
        () =>
          `kubectl logs --follow of ${namespace}/${name}/${container} printed nothing: ${follower.errors()}`,
      );
    }
    const started = performance.now();
    await kubectlOk(
      cluster,
      ["delete", "pod", name, "-n", namespace, "--wait=true", "--timeout=180s"],
      { timeoutMs: 200_000 },
    );
    const deleteMs = performance.now() - started;
    await until(
      () => eventsSoFar(watch.output()).at(-1)?.type === "DELETED",
      10_000,
      () => `the watch of ${namespace}/${name} saw no DELETED event: ${watch.errors()}`,
    );
    await until(
      () => followers.every(({ follower }) => follower.ended()),
      10_000,
      () => `kubectl logs --follow of ${namespace}/${name} did not end with the pod`,
    );
    const last = eventsSoFar(watch.output()).at(-1)?.object;
    return {
      deleteMs,
      exitCodes: exitCodesOf(last),
      containerIds: containerIdsOf(last),
      logs: new Map(followers.map(({ container, follower }) => [container, follower.output()])),
    };
  } finally {
    watch.stop();
    for (const { follower } of followers) follower.stop();
  }
}
