// Stops a pod the way the kubelet deletes one: each container's stop signal, then SIGKILL when the grace period runs out.

import { constants } from "node:os";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";

import { HarnessError } from "./harness-error.js";
import { readContainerLogs, type ContainerLogs } from "./container-logs.js";
import { hasExited } from "./container-processes.js";
import { graceSecondsOf } from "./pod-manifest.js";
import { inspectContainer, type AppContainer, type RunningPod } from "./pod-run.js";
import { podman } from "./podman.js";

export interface ContainerStop {
  readonly container: string;
  /** From the stop signal to the container's PID 1 being gone (the whole PID namespace with it). */
  readonly stopMs: number;
  readonly exitCode: number;
  /** Whether the grace period ran out and SIGKILL ended the container. */
  readonly killed: boolean;
  /** The container had ended before the stop began, so no signal was sent. */
  readonly alreadyExited: boolean;
  readonly stopSignal: string;
  readonly logs: ContainerLogs;
}

export interface PodStop {
  /** The slowest container's stop time: when the kubelet would consider the pod gone. */
  readonly stopMs: number;
  /** Of the first app container, which most scenarios have alone. */
  readonly exitCode: number;
  readonly killed: boolean;
  readonly logs: ContainerLogs;
  readonly containers: readonly ContainerStop[];
}

// Fine enough to tell a prompt stop (tens of ms) from a grace-period wait (seconds).
const EXIT_POLL_MS = 5;

async function waitUntilExited(hostPid: number, deadline: number): Promise<boolean> {
  while (performance.now() < deadline) {
    if (await hasExited(hostPid)) return true;
    await sleep(EXIT_POLL_MS);
  }
  return hasExited(hostPid);
}

/** podman reports the image's STOPSIGNAL as a number or as a name. */
function signalNumber(stopSignal: string): number {
  if (/^\d+$/.test(stopSignal)) return Number(stopSignal);
  const name = (stopSignal.startsWith("SIG") ? stopSignal : `SIG${stopSignal}`) as NodeJS.Signals;
  const number = constants.signals[name] as number | undefined;
  if (number === undefined) {
    throw new HarnessError("ERR_CONTAINER_STATE", `unknown stop signal ${stopSignal}`);
  }
  return number;
}

function sendSignal(hostPid: number, signal: number): void {
  try {
    process.kill(hostPid, signal);
  } catch (error) {
    // Exited between the check and the signal: nothing left to stop.
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}

async function exitCodeOf(container: AppContainer): Promise<number> {
  const { stdout } = await podman(["wait", container.podmanName]);
  return Number(stdout.trim());
}

async function stopContainer(container: AppContainer, graceMs: number): Promise<ContainerStop> {
  const state = await inspectContainer(container.podmanName);
  const stopSignal = state.stopSignal === "" ? "15" : state.stopSignal;
  const base = { container: container.name, stopSignal };
  if (!state.running) {
    const logs = await readContainerLogs(container.logPath);
    return {
      ...base,
      stopMs: 0,
      exitCode: state.exitCode,
      killed: false,
      alreadyExited: true,
      logs,
    };
  }
  const signal = signalNumber(stopSignal);
  const started = performance.now();
  // `runc kill` (what containerd runs for the kubelet) is this same kill(2) on the container's
  // PID 1 from the host; calling it directly keeps podman's start-up time out of the measurement.
  sendSignal(state.hostPid, signal);
  let killed = false;
  if (!(await waitUntilExited(state.hostPid, started + graceMs))) {
    killed = true;
    sendSignal(state.hostPid, constants.signals.SIGKILL);
    await waitUntilExited(state.hostPid, performance.now() + 30_000);
  }
  const stopMs = Math.round(performance.now() - started);
  const exitCode = await exitCodeOf(container);
  const logs = await readContainerLogs(container.logPath);
  return { ...base, stopMs, exitCode, killed, alreadyExited: false, logs };
}

/**
 * The kubelet stops all containers of a deleted pod in parallel, each with the pod's
 * terminationGracePeriodSeconds unless the caller overrides it.
 */
export async function stopLikeKubelet(pod: RunningPod, graceSeconds?: number): Promise<PodStop> {
  const graceMs = (graceSeconds ?? graceSecondsOf(pod.manifest)) * 1000;
  const containers = await Promise.all(pod.containers.map(c => stopContainer(c, graceMs)));
  const first = containers[0];
  if (first === undefined) {
    throw new HarnessError("ERR_POD_INVALID", `pod ${pod.name} has no app container to stop`);
  }
  return {
    stopMs: Math.max(...containers.map(c => c.stopMs)),
    exitCode: first.exitCode,
    killed: containers.some(c => c.killed),
    logs: first.logs,
    containers,
  };
}
