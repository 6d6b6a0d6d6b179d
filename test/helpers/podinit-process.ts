// Runs the real dist/podinit binary, as PID 1 of a fresh PID namespace or as a plain process, for tests.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, afterEach, beforeAll } from "vitest";

export const PODINIT = resolve(import.meta.dirname, "../../dist/podinit");

export interface Finished {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunningPodinit {
  readonly process: ChildProcess;
  /** The host pid of podinit itself (inside a namespace it is PID 1 there). */
  readonly pid: number;
  readonly finished: Promise<Finished>;
  stderr(): string;
  stdout(): string;
  signal(name: NodeJS.Signals): void;
}

export interface StartOptions {
  /** Run as PID 1 of a new PID namespace (default) or as an ordinary process (subreaper mode). */
  readonly namespace?: boolean;
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  /** A program to exec podinit through (argv prefix), e.g. a wrapper that changes the signal mask. */
  readonly via?: readonly string[];
}

/** Starts podinit with the given arguments and waits until its host pid is known. */
export async function startPodinit(
  args: readonly string[],
  options: StartOptions = {},
): Promise<RunningPodinit> {
  const launched = launch(args, options);
  const namespaced = options.namespace ?? true;
  const outer = launched.process.pid ?? 0;
  const pid = namespaced || options.via !== undefined ? await waitForPodinitBelow(outer) : outer;
  return { ...launched, pid, signal: name => process.kill(pid, name) };
}

/** Runs podinit to completion. */
export async function runPodinit(
  args: readonly string[],
  options: StartOptions = {},
): Promise<Finished> {
  return launch(args, options).finished;
}

type Launched = Omit<RunningPodinit, "pid" | "signal">;

function launch(args: readonly string[], options: StartOptions): Launched {
  const namespaced = options.namespace ?? true;
  const command = [
    ...(namespaced ? ["unshare", "--pid", "--fork", "--mount-proc", "--kill-child"] : []),
    ...(options.via ?? []),
    PODINIT,
    ...args,
  ];
  const child = spawn(command[0] ?? "", command.slice(1), {
    env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", ...options.env },
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
  return { process: child, finished, stderr: () => stderr, stdout: () => stdout };
}

async function waitForPodinitBelow(ancestor: number): Promise<number> {
  return waitFor(() => {
    const found = processTable().find(
      p => p.comm === "podinit" && (p.pid === ancestor || isDescendant(p.pid, ancestor)),
    );
    return found?.pid;
  }, `podinit below pid ${ancestor}`);
}

export interface HostProcess {
  readonly pid: number;
  readonly ppid: number;
  readonly pgid: number;
  readonly state: string;
  readonly comm: string;
}

/** The host's process table, read from /proc. */
export function processTable(): HostProcess[] {
  const table: HostProcess[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^[0-9]+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, "utf8");
    } catch {
      continue;
    }
    const open = stat.indexOf("(");
    const close = stat.lastIndexOf(")");
    const fields = stat.slice(close + 2).split(" ");
    table.push({
      pid: Number(name),
      comm: stat.slice(open + 1, close),
      state: fields[0] ?? "?",
      ppid: Number(fields[1]),
      pgid: Number(fields[2]),
    });
  }
  return table;
}

export function isDescendant(pid: number, ancestor: number): boolean {
  const parents = new Map(processTable().map(p => [p.pid, p.ppid]));
  for (
    let current = parents.get(pid);
    current !== undefined && current > 0;
    current = parents.get(current)
  ) {
    if (current === ancestor) return true;
  }
  return false;
}

/** Processes below `ancestor` (podinit's host pid), zombies included. */
export function descendants(ancestor: number): HostProcess[] {
  const table = processTable();
  const parents = new Map(table.map(p => [p.pid, p.ppid]));
  return table.filter(p => {
    for (
      let current: number | undefined = p.ppid;
      current !== undefined && current > 0;
      current = parents.get(current)
    ) {
      if (current === ancestor) return true;
    }
    return false;
  });
}

export function zombiesBelow(ancestor: number): HostProcess[] {
  return descendants(ancestor).filter(p => p.state === "Z");
}

/** Polls until `probe` returns a value; fails with `what` after the timeout. */
export async function waitFor<T>(
  probe: () => T | undefined | null | false,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 10));
  }
}

export function waitForFile(path: string, timeoutMs = 10_000): Promise<string> {
  return waitFor(
    () => (existsSync(path) ? readFileSync(path, "utf8") : undefined),
    path,
    timeoutMs,
  );
}

export function sleep(ms: number): Promise<void> {
  return new Promise(r => setTimeout(r, ms));
}

export function makeTempDir(prefix: string): { readonly path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `podinit-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export function cwdOf(pid: number): string {
  return readlinkSync(`/proc/${pid}/cwd`);
}

export function fdsOf(pid: number): number[] {
  return readdirSync(`/proc/${pid}/fd`)
    .map(Number)
    .sort((a, b) => a - b);
}

/** Fails loudly, rather than skipping, when the binary or root is missing. */
export function requirePodinit(): void {
  if (!existsSync(PODINIT)) throw new Error(`${PODINIT} is missing: run \`make init\` first`);
  if (process.getuid?.() !== 0)
    throw new Error("the podinit binary tests need root (for PID namespaces)");
}

/**
 * Per-file set-up for binary tests: checks the binary, gives unique file paths in a temporary
 * directory, and kills any podinit a test left running (a failed assertion must not leak it).
 */
export function useBinaryWorkspace(prefix: string): {
  readonly dir: string;
  readonly file: (name: string) => string;
  readonly start: (args: readonly string[], options?: StartOptions) => Promise<RunningPodinit>;
} {
  const workspace = makeTempDir(prefix);
  const started: RunningPodinit[] = [];
  let counter = 0;
  beforeAll(requirePodinit);
  afterEach(() => {
    for (const run of started.splice(0))
      if (run.process.exitCode === null) run.process.kill("SIGKILL");
  });
  afterAll(() => workspace.remove());
  return {
    dir: workspace.path,
    file: name => join(workspace.path, `${name}-${++counter}`),
    start: async (args, options) => {
      const run = await startPodinit(args, options);
      started.push(run);
      return run;
    },
  };
}
