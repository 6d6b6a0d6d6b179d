// Processes started for tests and benchmarks, tagged so that all of them, and all they start, can be
// found and killed afterwards. No test-runner hooks here: podinit-process.ts registers them.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { descendants, isDescendant, processTable, type HostProcess } from "./process-table.js";

export interface Finished {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A process started for a test, with its output so far. */
export interface Launched {
  readonly process: ChildProcess;
  readonly finished: Promise<Finished>;
  stderr(): string;
  stdout(): string;
}

/**
 * Every process a test file starts carries this variable, inherited by all its descendants. Parent
 * links alone cannot find them all: a daemon that setsid'd away and lost its parent is re-parented
 * to the host's init, but it keeps its environment. Not PODINIT_*: podinit rejects unknown ones.
 */
const TAG_VARIABLE = "TEST_PROCESS_TAG";
const FILE_TAG = `${process.pid}-${randomBytes(6).toString("hex")}`;
let launches = 0;
const tracked = new Set<Launched>();

/** The environment for a process the tests start: a plain PATH, `extra`, and this file's tag. */
export function taggedEnv(extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  return {
    PATH: process.env["PATH"] ?? "/usr/bin:/bin",
    ...extra,
    [TAG_VARIABLE]: `${FILE_TAG}/${++launches}`,
  };
}

/** Starts any command so that `killLeftovers` can find it and everything it starts. */
export function startTracked(
  command: readonly string[],
  options: { readonly env?: Readonly<Record<string, string>>; readonly cwd?: string } = {},
): Launched {
  const child = spawn(command[0] ?? "", command.slice(1), {
    env: taggedEnv(options.env),
    cwd: options.cwd ?? tmpdir(),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const finished = new Promise<Finished>(resolvePromise => {
    child.on("close", (code, signal) => resolvePromise({ code, signal, stdout, stderr }));
  });
  if (child.pid === undefined) throw new Error(`could not start ${command.join(" ")}`);
  const launched = { process: child, finished, stderr: () => stderr, stdout: () => stdout };
  tracked.add(launched);
  return launched;
}

/** Live (not zombie) processes that carry this test file's tag, whoever their parent now is. */
export function taggedProcesses(): HostProcess[] {
  const prefix = `${TAG_VARIABLE}=${FILE_TAG}/`;
  return processTable().filter(p => {
    try {
      return readFileSync(`/proc/${p.pid}/environ`, "utf8")
        .split("\0")
        .some(entry => entry.startsWith(prefix));
    } catch {
      return false;
    }
  });
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // Already gone: exactly what we want.
  }
}

function describeProcesses(processes: readonly HostProcess[]): string {
  return processes.map(p => `${p.pid} ${p.comm} (${p.state}, parent ${p.ppid})`).join(", ");
}

/**
 * SIGKILLs everything this test file started and all of its descendants, and waits until they are
 * gone, so a test that fails (or simply ends) with podinit running cannot leak its process tree.
 */
export async function killLeftovers(timeoutMs = 20_000): Promise<void> {
  const launched = [...tracked];
  tracked.clear();
  // Node has not reaped these yet, so their pids cannot have been reused by someone else's process.
  const running = launched
    .filter(l => l.process.exitCode === null && l.process.signalCode === null)
    .map(l => l.process.pid ?? 0);
  // Collected before any kill: once a parent dies its children are re-parented and the links are lost.
  const below = running.flatMap(pid => descendants(pid));
  for (const pid of running) killQuietly(pid);
  for (const p of below) if (p.state !== "Z") killQuietly(p.pid);
  // A process may fork between one scan and the kill, so scan again until a pass finds nothing.
  const deadline = Date.now() + timeoutMs;
  for (let left = taggedProcesses(); left.length > 0; left = taggedProcesses()) {
    if (Date.now() > deadline)
      throw new Error(`test processes survived SIGKILL: ${describeProcesses(left)}`);
    for (const p of left) killQuietly(p.pid);
    await new Promise(r => setTimeout(r, 10));
  }
  const closed = Promise.all(launched.map(l => l.finished));
  const timeout = new Promise<"timeout">(r => setTimeout(() => r("timeout"), timeoutMs).unref());
  if ((await Promise.race([closed, timeout])) === "timeout")
    throw new Error("a killed test process still holds its output open");
}

/** Fails, after killing them, if any process this test file started is still alive. */
export function expectNoLeftovers(): void {
  const left = taggedProcesses();
  for (const p of left) killQuietly(p.pid);
  if (left.length > 0) throw new Error(`test processes left behind: ${describeProcesses(left)}`);
}

/**
 * Polls until `probe` returns a value; fails with `what` after the timeout. The default is generous
 * for a loaded machine, yet shorter than a test's own timeout so the failure names what was awaited.
 */
export async function waitFor<T>(
  probe: () => T | undefined | null | false,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 10));
  }
}

export function waitForFile(path: string, timeoutMs?: number): Promise<string> {
  return waitFor(
    () => (existsSync(path) ? readFileSync(path, "utf8") : undefined),
    path,
    timeoutMs,
  );
}

/** The argv prefix that runs a program as PID 1 of a fresh PID namespace, killed with its parent. */
export const PID_NAMESPACE = [
  "unshare",
  "--pid",
  "--fork",
  "--mount-proc",
  "--kill-child",
] as const;

/**
 * The host pid of the process named `comm` (the kernel's name: the file name, cut at 15 bytes)
 * at or below `ancestor`, once it has exec'd: how a test finds an init started through unshare or
 * a wrapper.
 */
export function waitForProgramBelow(ancestor: number, comm: string): Promise<number> {
  return waitFor(
    () =>
      processTable().find(
        p => p.comm === comm && (p.pid === ancestor || isDescendant(p.pid, ancestor)),
      )?.pid,
    `${comm} below pid ${ancestor}`,
  );
}
