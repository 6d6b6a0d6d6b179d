// Runs the real dist/podinit binary, as PID 1 of a fresh PID namespace or as a plain process, for tests.
import { existsSync, mkdtempSync, readdirSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PODINIT_BINARY as PODINIT } from "./podinit-binary.js";
import { afterAll, afterEach, beforeAll } from "vitest";
import { descendants, type HostProcess } from "./process-table.js";
import {
  expectNoLeftovers,
  killLeftovers,
  PID_NAMESPACE,
  startTracked,
  waitFor,
  waitForProgramBelow,
  type Finished,
  type Launched,
} from "./tracked-processes.js";

export {
  descendants,
  isDescendant,
  processTable,
  readProcess,
  type HostProcess,
} from "./process-table.js";
export {
  killLeftovers,
  startTracked,
  taggedEnv,
  taggedProcesses,
  waitFor,
  waitForFile,
  type Finished,
  type Launched,
} from "./tracked-processes.js";

export { PODINIT_BINARY as PODINIT } from "./podinit-binary.js";

export interface RunningPodinit extends Launched {
  /** The host pid of podinit itself (inside a namespace it is PID 1 there). */
  readonly pid: number;
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
  const pid =
    namespaced || options.via !== undefined ? await waitForProgramBelow(outer, "podinit") : outer;
  return { ...launched, pid, signal: name => process.kill(pid, name) };
}

/** Runs podinit to completion. */
export async function runPodinit(
  args: readonly string[],
  options: StartOptions = {},
): Promise<Finished> {
  return launch(args, options).finished;
}

function launch(args: readonly string[], options: StartOptions): Launched {
  const namespaced = options.namespace ?? true;
  return startTracked(
    [...(namespaced ? PID_NAMESPACE : []), ...(options.via ?? []), PODINIT, ...args],
    options,
  );
}

// Registered in every test file that imports this module (vitest evaluates it afresh per file), so
// no file can forget them: whatever a test started dies with the test, and the file fails if any of
// it survived.
afterEach(() => killLeftovers());
afterAll(expectNoLeftovers);

export function zombiesBelow(ancestor: number): HostProcess[] {
  return descendants(ancestor).filter(p => p.state === "Z");
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
