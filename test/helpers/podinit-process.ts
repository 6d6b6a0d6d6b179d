// Runs the real dist/podinit binary, as PID 1 of a fresh PID namespace or as a plain process, for tests.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, afterEach, beforeAll } from "vitest";
import { descendants, isDescendant, processTable, type HostProcess } from "./process-table.js";

export {
  descendants,
  isDescendant,
  processTable,
  readProcess,
  type HostProcess,
} from "./process-table.js";

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

/** A process started for a test, with its output so far. */
export type Launched = Omit<RunningPodinit, "pid" | "signal">;

function launch(args: readonly string[], options: StartOptions): Launched {
  const namespaced = options.namespace ?? true;
  return startTracked(
    [
      ...(namespaced ? ["unshare", "--pid", "--fork", "--mount-proc", "--kill-child"] : []),
      ...(options.via ?? []),
      PODINIT,
      ...args,
    ],
    options,
  );
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

// Registered in every test file that imports this module (vitest evaluates it afresh per file), so
// no file can forget them: whatever a test started dies with the test, and the file fails if any of
// it survived.
afterEach(() => killLeftovers());
afterAll(expectNoLeftovers);

async function waitForPodinitBelow(ancestor: number): Promise<number> {
  return waitFor(() => {
    const found = processTable().find(
      p => p.comm === "podinit" && (p.pid === ancestor || isDescendant(p.pid, ancestor)),
    );
    return found?.pid;
  }, `podinit below pid ${ancestor}`);
}

export function zombiesBelow(ancestor: number): HostProcess[] {
  return descendants(ancestor).filter(p => p.state === "Z");
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

/**
 * Shell code that creates `path` holding the shell's pid. Written to a temporary name and renamed,
 * so whoever sees the file sees all of it; put it after the traps it announces.
 */
export function shellReady(path: string): string {
  return `echo $$ > ${path}.tmp && mv ${path}.tmp ${path}`;
}

/** Waits for a line of podinit's own log (stderr), e.g. to know it has taken a signal. */
export function waitForStderr(
  run: Pick<RunningPodinit, "stderr">,
  line: RegExp,
  timeoutMs?: number,
): Promise<string> {
  return waitFor(() => line.exec(run.stderr())?.[0], `${line} in podinit's stderr`, timeoutMs);
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
 * Per-file set-up for binary tests: checks the binary and gives unique file paths in a temporary
 * directory. (The processes the file starts are killed after each test, by the hooks above.)
 */
export function useBinaryWorkspace(prefix: string): {
  readonly dir: string;
  readonly file: (name: string) => string;
  readonly start: (args: readonly string[], options?: StartOptions) => Promise<RunningPodinit>;
} {
  const workspace = makeTempDir(prefix);
  let counter = 0;
  beforeAll(requirePodinit);
  afterAll(() => workspace.remove());
  return {
    dir: workspace.path,
    file: name => join(workspace.path, `${name}-${++counter}`),
    start: startPodinit,
  };
}
