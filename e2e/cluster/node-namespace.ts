// The test node's private world: its own mount, network, UTS and PID namespaces, so the host's /run, /var/lib, links and sysctls stay untouched.
//
// One `unshare --kill-child` process holds the namespaces; its child, PID 1 inside, is catatonit
// in pause mode (it reaps the shims' orphans). Every component is started in them with nsenter.
// When PID 1 dies the kernel kills every process of the namespace, containers included; the
// mounts, the bridge and the pods' veths go with the namespaces. Only cgroups outlive them, and
// `destroyNodeNamespace` removes those.

import { spawn } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

import { readProcess } from "../../test/support/process-table.js";
import { shellWord } from "../../test/support/shell-words.js";
import { HarnessError } from "../../test/support/e2e/harness-error.js";
import {
  runProcess,
  type ProcessOptions,
  type ProcessResult,
} from "../../test/support/e2e/process-run.js";
import { removeCgroupRoot } from "./node-cgroups.js";
import { BRIDGE, KUBELET_SYSCTLS, NODE_IP, NODE_NAME } from "./node-config.js";

export interface NodeNamespace {
  /** The cluster folder: the only host folder the node can write. */
  readonly dir: string;
  /** The `unshare` process, in the host's PID namespace. */
  readonly holderPid: number;
  /** With the PID, what tells the holder from a later process that got its PID. */
  readonly holderStart: number;
  /** PID 1 of the node's PID namespace, as the host sees it: what nsenter targets. */
  readonly initPid: number;
  readonly initStart: number;
  readonly bootId: string;
  readonly cgroupRoot: string;
}

const STATE_FILE = "namespace.json";

function bootId(): string {
  return readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
}

function isAlive(pid: number): boolean {
  return existsSync(`/proc/${pid}`);
}

/**
 * The shell run as the namespace's first process: mounts, the node's network, then PID 1. Only
 * the cluster folder, /run (a tmpfs), /var/lib (an overlay) and /var/log (a folder of the
 * cluster's) can be written inside the node; /dev, /proc and the cgroup file systems are mounts
 * of their own and keep their modes.
 */
export function namespaceSetupScript(dir: string): string {
  const sysctlDir = join(dir, "sysctl");
  const lines = [
    "set -eu",
    // The node's runtime state, its /var/lib and its logs live here, never on the host's paths.
    "mount -t tmpfs -o mode=755 podinit-run /run",
    `mkdir -p ${shellWord(join(dir, "var-lib", "upper"))} ${shellWord(join(dir, "var-lib", "work"))} ${shellWord(join(dir, "var-log"))} ${shellWord(sysctlDir)}`,
    `mount -t overlay podinit-var-lib -o lowerdir=/var/lib,upperdir=${shellWord(join(dir, "var-lib", "upper"))},workdir=${shellWord(join(dir, "var-lib", "work"))} /var/lib`,
    `mount --bind ${shellWord(join(dir, "var-log"))} /var/log`,
  ];
  for (const [name, value] of Object.entries(KUBELET_SYSCTLS)) {
    const file = join(sysctlDir, name.replaceAll("/", "."));
    lines.push(
      `echo ${value} > ${shellWord(file)}`,
      `mount --bind ${shellWord(file)} /proc/sys/${name}`,
    );
  }
  lines.push(
    // The cluster folder stays writable; the rest of the host's tree is read-only in here, so a
    // component that would write to a host path (a default left unset) fails loudly instead.
    `mount --bind ${shellWord(dir)} ${shellWord(dir)}`,
    "mount -o remount,bind,ro /",
    `hostname ${NODE_NAME}`,
    "ip link set lo up",
    `ip link add ${BRIDGE} type bridge`,
    `ip addr add ${NODE_IP}/24 dev ${BRIDGE}`,
    `ip link set ${BRIDGE} up`,
    `touch ${shellWord(join(dir, "namespace.ready"))}`,
    "exec catatonit -P",
  );
  return `${lines.join("\n")}\n`;
}

function childOf(pid: number): number | undefined {
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim();
    const first = Number(children.split(/\s+/)[0]);
    return Number.isInteger(first) && first > 0 ? first : undefined;
  } catch {
    return undefined;
  }
}

/** Starts the holder; resolves once the namespace's mounts and network are in place. */
export async function createNodeNamespace(dir: string, cgroupRoot: string): Promise<NodeNamespace> {
  mkdirSync(join(dir, "logs"), { recursive: true });
  mkdirSync(join(dir, "home"), { recursive: true });
  mkdirSync(join(dir, "tmp"), { recursive: true });
  const ready = join(dir, "namespace.ready");
  rmSync(ready, { force: true });
  const log = openSync(join(dir, "logs", "namespace.log"), "a");
  const holder = spawn(
    "unshare",
    [
      "--kill-child",
      "--pid",
      "--mount-proc",
      "--mount",
      "--net",
      "--uts",
      "--propagation",
      "private",
      "--",
      "sh",
      "-c",
      namespaceSetupScript(dir),
    ],
    { detached: true, stdio: ["ignore", log, log] },
  );
  closeSync(log);
  holder.unref();
  const holderPid = holder.pid;
  if (holderPid === undefined) {
    throw new HarnessError(
      "ERR_TOOL_MISSING",
      "unshare could not start: install util-linux (`make deps` as root)",
    );
  }
  const holderStart = startOf(holderPid);
  // Until the state file is written nothing else could stop the holder: a failure ends it here.
  const fail = (why: string): HarnessError => {
    if (holderStart !== undefined) killIfRunning(holderPid, holderStart);
    const text = readFileSync(join(dir, "logs", "namespace.log"), "utf8").trim();
    return new HarnessError(
      "ERR_COMMAND_FAILED",
      `the node's namespaces could not be set up (${why}): ${text.split("\n").slice(-5).join(" | ")}`,
    );
  };
  const deadline = Date.now() + 30_000;
  while (!existsSync(ready)) {
    if (!isAlive(holderPid)) throw fail("the setup shell exited");
    if (Date.now() > deadline) throw fail("no ready file within 30 s");
    await sleep(20);
  }
  const initPid = childOf(holderPid);
  if (initPid === undefined) throw fail("its PID 1 is missing");
  // The setup shell touches the ready file just before it execs catatonit.
  while (readProcess(initPid)?.comm !== "catatonit") {
    if (!isAlive(initPid) || Date.now() > deadline) throw fail("its PID 1 did not start");
    await sleep(10);
  }
  const initStart = startOf(initPid);
  if (holderStart === undefined || initStart === undefined) throw fail("it exited at once");
  const namespace: NodeNamespace = {
    dir,
    holderPid,
    holderStart,
    initPid,
    initStart,
    bootId: bootId(),
    cgroupRoot,
  };
  writeFileSync(join(dir, STATE_FILE), JSON.stringify(namespace));
  return namespace;
}

/** The namespace a cluster folder records (it may be from an earlier boot: see bootId). */
function recordedNamespace(dir: string): NodeNamespace | undefined {
  const file = join(dir, STATE_FILE);
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as NodeNamespace) : undefined;
}

/** nsenter's arguments for a command inside the node; `pid` puts it in the node's PID namespace too. */
export function enterArgs(namespace: NodeNamespace, pid: boolean): string[] {
  return [
    `--target=${namespace.initPid}`,
    "--mount",
    "--net",
    "--uts",
    ...(pid ? ["--pid"] : []),
    "--",
  ];
}

/**
 * The environment of everything run in the node: HOME and TMPDIR in the cluster folder
 * (kubectl's and Helm's caches, runc's process files: not the host's home and /tmp, read-only in
 * there), times in UTC (the suites read the components' timestamps).
 */
export function nodeEnvironment(
  namespace: NodeNamespace,
  env: NodeJS.ProcessEnv = process.env,
): NodeJS.ProcessEnv {
  return {
    ...env,
    HOME: join(namespace.dir, "home"),
    TMPDIR: join(namespace.dir, "tmp"),
    TZ: "UTC",
  };
}

/** Runs a command to completion inside the node (tools: kubectl, ctr, helm). */
export function runInNode(
  namespace: NodeNamespace,
  program: string,
  args: readonly string[],
  options: ProcessOptions = {},
): Promise<ProcessResult> {
  return runProcess("nsenter", [...enterArgs(namespace, false), program, ...args], {
    ...options,
    env: nodeEnvironment(namespace, options.env),
  });
}

/** Starts a long-running component inside the node, its output in `logs/<name>.log`. */
export function startInNode(
  namespace: NodeNamespace,
  name: string,
  program: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): void {
  const log = openSync(join(namespace.dir, "logs", `${name}.log`), "a");
  const child = spawn("nsenter", [...enterArgs(namespace, true), program, ...args], {
    detached: true,
    stdio: ["ignore", log, log],
    env: nodeEnvironment(namespace, env),
  });
  closeSync(log);
  child.unref();
}

/**
 * Kills everything in the node (PID 1 of its namespace first) and removes its cgroups. Safe to
 * call twice and after a crash: a holder from an earlier boot, or a PID now used by another
 * program (its start time differs), is left alone.
 */
export async function destroyNodeNamespace(dir: string): Promise<void> {
  const namespace = recordedNamespace(dir);
  if (namespace === undefined) return;
  if (namespace.bootId === bootId()) {
    // PID 1 first, so that the holder reaps it and exits; PID 1 of a namespace is gone only
    // once every process in the namespace is.
    const init = () => isRunning(namespace.initPid, namespace.initStart);
    const holder = () => isRunning(namespace.holderPid, namespace.holderStart);
    killIfRunning(namespace.initPid, namespace.initStart);
    const deadline = Date.now() + 60_000;
    while (init() || holder()) {
      if (Date.now() > deadline)
        throw new HarnessError("ERR_TIMEOUT", "the node's processes did not exit within 60 s");
      // A holder whose PID 1 died before it could be asked (or is stuck) is ended too.
      if (!init()) killIfRunning(namespace.holderPid, namespace.holderStart);
      await sleep(50);
    }
  }
  await removeCgroupRoot(namespace.cgroupRoot);
  rmSync(join(dir, STATE_FILE), { force: true });
}

/** When a live (not zombie) process started, in clock ticks after boot. */
function startOf(pid: number): number | undefined {
  const row = readProcess(pid);
  return row === null || row.state === "Z" ? undefined : row.startTicks;
}

/** True while `pid` is still the process that started at `start`: not gone, a zombie or reused. */
function isRunning(pid: number, start: number): boolean {
  return startOf(pid) === start;
}

function killIfRunning(pid: number, start: number): void {
  if (!isRunning(pid, start)) return;
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // Gone in between.
  }
}
