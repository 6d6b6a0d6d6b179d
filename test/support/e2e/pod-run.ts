// Starts a Pod with `podman kube play`, finds its app containers, waits for them, and removes pods afterwards.

import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

import { readContainerLogs, type ContainerLogs } from "./container-logs.js";
import { hasExited, listContainerProcesses, type ContainerProcess } from "./container-processes.js";
import { HarnessError } from "./harness-error.js";
import { removeLeftoverPodCgroups } from "./pod-cgroups.js";
import { forPodman, type PodManifest } from "./pod-manifest.js";
import { podman } from "./podman.js";
import { E2E_CACHE } from "./project-paths.js";

export interface AppContainer {
  /** The name in the Pod spec. */
  readonly name: string;
  /** podman's name for it: `<pod>-<container>`. */
  readonly podmanName: string;
  readonly logPath: string;
  /** PID 1 of the container as the host sees it, 0 when it had already exited. */
  readonly hostPid: number;
}

export interface RunningPod {
  readonly id: string;
  readonly name: string;
  readonly manifest: PodManifest;
  readonly containers: readonly AppContainer[];
}

export interface LogWait {
  /** Which app container to watch; the first one when absent. */
  readonly container?: string;
  readonly pattern: RegExp | string;
}

export interface RunPodOptions {
  /** Blocks until a container has logged this, e.g. the line a shell prints once its trap is set. */
  readonly waitForLog?: LogWait;
  readonly timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 60_000;
const POLL_MS = 25;

interface ContainerState {
  readonly status: string;
  readonly running: boolean;
  readonly hostPid: number;
  readonly exitCode: number;
  readonly stopSignal: string;
}

export async function inspectContainer(podmanName: string): Promise<ContainerState> {
  const format =
    '{"status":{{json .State.Status}},"running":{{json .State.Running}},"hostPid":{{json .State.Pid}},' +
    '"exitCode":{{json .State.ExitCode}},"stopSignal":"{{.Config.StopSignal}}"}';
  const { stdout } = await podman(["container", "inspect", "--format", format, podmanName]);
  return JSON.parse(stdout) as ContainerState;
}

export function findContainer(pod: RunningPod, name?: string): AppContainer {
  const container =
    name === undefined ? pod.containers[0] : pod.containers.find(c => c.name === name);
  if (container === undefined) {
    throw new HarnessError(
      "ERR_POD_INVALID",
      `pod ${pod.name} has no app container ${name ?? ""}; it has: ${pod.containers.map(c => c.name).join(", ")}`,
    );
  }
  return container;
}

export function containerLogs(pod: RunningPod, name?: string): Promise<ContainerLogs> {
  return readContainerLogs(findContainer(pod, name).logPath);
}

/** Processes inside a running container; empty once it has exited. */
export async function containerProcesses(
  pod: RunningPod,
  name?: string,
): Promise<ContainerProcess[]> {
  const state = await inspectContainer(findContainer(pod, name).podmanName);
  return state.running ? listContainerProcesses(state.hostPid) : [];
}

export async function waitForLog(pod: RunningPod, wait: LogWait, timeoutMs: number): Promise<void> {
  const container = findContainer(pod, wait.container);
  const matches = (text: string): boolean =>
    typeof wait.pattern === "string" ? text.includes(wait.pattern) : wait.pattern.test(text);
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  while (Date.now() < deadline && !exited) {
    // Read the exit state first, so a line logged just before exiting still counts.
    exited = container.hostPid === 0 || (await hasExited(container.hostPid));
    if (matches((await readContainerLogs(container.logPath)).text)) return;
    if (!exited) await sleep(POLL_MS);
  }
  const logs = await readContainerLogs(container.logPath);
  throw new HarnessError(
    exited ? "ERR_CONTAINER_STATE" : "ERR_TIMEOUT",
    `container ${container.name} of pod ${pod.name} ${exited ? "exited before it logged" : "did not log"} ${String(wait.pattern)}${exited ? "" : ` within ${timeoutMs} ms`}; its log:\n${logs.text}`,
  );
}

/** The exit code once the container has ended on its own (podman wait blocks until then). */
export async function waitForExit(
  pod: RunningPod,
  name?: string,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<number> {
  const container = findContainer(pod, name);
  const { stdout } = await podman(["wait", container.podmanName], { timeoutMs });
  return Number(stdout.trim());
}

interface PodInspect {
  readonly Name: string;
  readonly Containers?: readonly { readonly Name: string }[];
}

async function describePod(id: string, manifest: PodManifest): Promise<RunningPod> {
  const { stdout } = await podman(["pod", "inspect", id]);
  const parsed = JSON.parse(stdout) as PodInspect | readonly PodInspect[];
  const info = Array.isArray(parsed) ? (parsed[0] as PodInspect) : (parsed as PodInspect);
  const present = new Set((info.Containers ?? []).map(c => c.Name));
  const containers: AppContainer[] = [];
  for (const spec of manifest.spec.containers) {
    const podmanName = `${info.Name}-${spec.name}`;
    if (!present.has(podmanName)) {
      throw new HarnessError(
        "ERR_CONTAINER_STATE",
        `podman kube play created no container ${podmanName}; it has: ${[...present].join(", ")}`,
      );
    }
    const { stdout } = await podman([
      "container",
      "inspect",
      "--format",
      "{{.State.Pid}} {{.HostConfig.LogConfig.Path}}",
      podmanName,
    ]);
    const [pid = "0", ...path] = stdout.trim().split(" ");
    containers.push({ name: spec.name, podmanName, logPath: path.join(" "), hostPid: Number(pid) });
  }
  return { id, name: info.Name, manifest, containers };
}

/**
 * Plays the pod without networking (no scenario needs it, and a bridge would change the host's
 * firewall). Init containers have run to completion when `kube play` returns.
 */
export async function runPod(pod: PodManifest, options: RunPodOptions = {}): Promise<RunningPod> {
  const manifest = forPodman(pod);
  const dir = join(E2E_CACHE, "pods");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${manifest.metadata.name}.json`);
  // JSON is YAML, so the manifest needs no YAML library.
  writeFileSync(file, `${JSON.stringify(manifest, null, 2)}\n`);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const { stdout } = await podman(["kube", "play", "--replace", "--network", "none", file], {
    timeoutMs,
  });
  const id = /^Pod:\s*\n([0-9a-f]{12,64})$/m.exec(stdout)?.[1];
  if (id === undefined) {
    throw new HarnessError(
      "ERR_CONTAINER_STATE",
      `podman kube play printed no pod id for ${file}:\n${stdout}`,
    );
  }
  const running = await describePod(id, manifest);
  if (options.waitForLog !== undefined) await waitForLog(running, options.waitForLog, timeoutMs);
  return running;
}

/** Removes one pod with its containers and emptyDir volumes at once: no grace, it is cleanup. */
export async function removePod(pod: RunningPod): Promise<void> {
  await podman(["pod", "rm", "--force", "--time", "0", pod.id]);
  await podman(["volume", "prune", "--force"]);
  await removeLeftoverPodCgroups([pod.id]);
  rmSync(join(E2E_CACHE, "pods", `${pod.name}.json`), { force: true });
}

/** Removes every pod in the harness's own storage (never the machine's): the reliable cleanup after a failed test. */
export async function removeAllPods(): Promise<void> {
  const { stdout } = await podman(["pod", "ps", "--quiet", "--no-trunc"]);
  await podman(["pod", "rm", "--all", "--force", "--time", "0"]);
  await podman(["container", "rm", "--all", "--force", "--time", "0"]);
  await podman(["volume", "prune", "--force"]);
  await removeLeftoverPodCgroups(stdout.split("\n").filter(id => id !== ""));
  rmSync(join(E2E_CACHE, "pods"), { recursive: true, force: true });
}
