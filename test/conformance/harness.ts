// Runs one conformance case against one init: its processes, its terminal, its time bound, its cleanup.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { descendants } from "../support/process-table.js";
import {
  killLeftovers,
  PID_NAMESPACE,
  startTracked,
  waitForProgramBelow,
  taggedEnv,
  type Finished,
  type Launched,
} from "../support/tracked-processes.js";
import { NotExpressible, type Features, type Init, type Placement } from "./inits.js";

export interface Started extends Launched {
  /** The init's own host pid (inside a namespace it is PID 1 there). */
  readonly pid: number;
  signal(signal: number): void;
  /** Waits for the init to exit, failing after WAIT_MS. */
  exit(): Promise<Finished>;
}

export interface LaunchOptions {
  /** A program to exec the init through (argv prefix), inside the namespace. */
  readonly via?: readonly string[];
  readonly cwd?: string;
}

/** Keys typed on a terminal once `after` has been printed (since the previous keys). */
export interface Keys {
  readonly after: string;
  readonly type: string;
}

export interface CaseContext {
  readonly init: Init;
  readonly placement: Placement;
  /** A fresh directory for the case's files, removed after it. */
  readonly dir: string;
  /** A unique path in `dir`. */
  file(name: string): string;
  /** A helper program of test/init/programs, compiled once per run. */
  program(name: HelperProgram): string;
  /** The init's argv for `command` (throws NotExpressible), for a case that runs it itself. */
  argv(command: readonly string[], features?: Features): string[];
  /** Starts the init and waits until its host pid is known. */
  start(command: readonly string[], features?: Features, options?: LaunchOptions): Promise<Started>;
  /** Runs the init to completion, failing after WAIT_MS. */
  run(command: readonly string[], features?: Features, options?: LaunchOptions): Promise<Finished>;
  /** Runs a raw argv (no init added) to completion, failing after WAIT_MS; e.g. `init --help`. */
  runRaw(argv: readonly string[]): Promise<Finished>;
  /**
   * Runs `line` through /bin/sh on a fresh pseudo-terminal (util-linux `script`), typing each of
   * `keys` in turn. That shell leads the terminal's session: `exec init …` runs the init as a
   * container runtime does with a tty, a plain `init …` as an interactive shell's job.
   */
  terminal(line: string, keys?: readonly Keys[]): Promise<{ code: number | null; output: string }>;
}

export type HelperProgram = "signal-recorder" | "dies-of-signal";

export interface ConformanceCase {
  /** Short and stable: the score table and the test names use it. */
  readonly id: string;
  /** The behaviour, in a user's words. */
  readonly title: string;
  /**
   * A mirror restates a peer's test as it is; an extension goes past it (more signals, the
   * shell's exact exit codes, a real terminal). Peers are compared on mirrors only.
   */
  readonly kind: "mirror" | "extension";
  /** The peers' tests (or promises) this case restates or extends. */
  readonly mirrors: string;
  readonly placements: readonly Placement[];
  run(ctx: CaseContext): Promise<void>;
}

export type Outcome =
  | { readonly result: "pass" }
  | { readonly result: "fail"; readonly detail: string }
  | { readonly result: "not expressible"; readonly detail: string };

/** The longest a case may take; a case that is still running then fails, and its processes die. */
export const CASE_TIMEOUT_MS = 120_000;

/** The longest a case waits for one process to exit or one conversation to end. */
export const WAIT_MS = 20_000;

/** `promise`, or a failure naming `what` once `ms` have passed. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: still waiting after ${ms / 1000} s`)), ms);
    timer.unref();
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** Compiles the helper programs into `dir`; throws with the compiler's message if one fails. */
export function buildPrograms(dir: string): (name: HelperProgram) => string {
  const built = new Map<HelperProgram, string>();
  return name => {
    const known = built.get(name);
    if (known !== undefined) return known;
    const out = join(dir, name);
    const source = resolve(import.meta.dirname, `../init/programs/${name}.c`);
    const cc = spawnSync("cc", ["-O2", "-Wall", "-o", out, source], { encoding: "utf8" });
    if (cc.status !== 0) throw new Error(`cc ${name}.c: ${cc.stderr}`);
    built.set(name, out);
    return out;
  };
}

/** The name the kernel shows for a program (comm: the file name, cut at 15 bytes). */
function commOf(program: string): string {
  return basename(program).slice(0, 15);
}

function contextFor(
  init: Init,
  placement: Placement,
  dir: string,
  program: (name: HelperProgram) => string,
  ended: () => boolean,
): CaseContext {
  let files = 0;
  const argv = (command: readonly string[], features: Features = {}) =>
    init.argv(command, features, placement);
  /** A case that ran out of time may still be running: it starts nothing once it has ended. */
  const tracked = (command: readonly string[], options: { cwd: string }) => {
    if (ended()) throw new Error("the case has already ended");
    return startTracked(command, options);
  };
  const launch = (command: readonly string[], features: Features, options: LaunchOptions) =>
    tracked(
      [
        ...(placement === "pid1" ? PID_NAMESPACE : []),
        ...(options.via ?? []),
        ...argv(command, features),
      ],
      { cwd: options.cwd ?? dir },
    );
  return {
    init,
    placement,
    dir,
    file: name => join(dir, `${name}-${++files}`),
    program,
    argv,
    async start(command, features = {}, options = {}) {
      const launched = launch(command, features, options);
      const outer = launched.process.pid ?? 0;
      const direct = placement === "process" && options.via === undefined;
      const pid = direct ? outer : await waitForProgramBelow(outer, commOf(init.program));
      return {
        ...launched,
        pid,
        signal: signal => process.kill(pid, signal),
        exit: () => within(exited(launched), WAIT_MS, `${init.name} to exit`),
      };
    },
    run: (command, features = {}, options = {}) =>
      within(exited(launch(command, features, options)), WAIT_MS, `${init.name} to exit`),
    runRaw: argvToRun =>
      within(tracked(argvToRun, { cwd: dir }).finished, WAIT_MS, `${argvToRun[0]} to exit`),
    terminal: (line, keys) => {
      if (ended()) throw new Error("the case has already ended");
      return onTerminal(line, keys);
    },
  };
}

/** See CaseContext.terminal. */
export function onTerminal(
  line: string,
  keys: readonly Keys[] = [],
): Promise<{ code: number | null; output: string }> {
  let output = "";
  const conversation = new Promise<{ code: number | null; output: string }>(resolvePromise => {
    const child = spawn("script", ["-qfec", line, "/dev/null"], {
      stdio: ["pipe", "pipe", "inherit"],
      // Tagged, so that a conversation that never ends is killed with its case.
      env: { ...process.env, ...taggedEnv({ SHELL: "/bin/sh", TERM: "dumb" }) },
    });
    let next = 0;
    let seenUpTo = 0;
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      for (let step = keys[next]; step !== undefined; step = keys[next]) {
        const at = output.indexOf(step.after, seenUpTo);
        if (at < 0) break;
        seenUpTo = at + step.after.length;
        next++;
        child.stdin.write(step.type);
      }
    });
    child.on("close", code => resolvePromise({ code, output }));
  });
  return within(conversation, WAIT_MS, "the terminal session").catch((error: Error) => {
    throw new Error(`${error.message}; the terminal showed ${JSON.stringify(output)}`);
  });
}

/**
 * How the process ended, once it has: with all its output when its pipes close, or with what
 * there is when something it left behind keeps them open (an init that dies and orphans its
 * command), so that the case reports the exit rather than a wait.
 */
function exited(launched: Launched): Promise<Finished> {
  const child = launched.process;
  const ended = (): Finished => ({
    code: child.exitCode,
    signal: child.signalCode,
    stdout: launched.stdout(),
    stderr: launched.stderr(),
  });
  const exit =
    child.exitCode !== null || child.signalCode !== null
      ? Promise.resolve(ended())
      : new Promise<Finished>(resolve => child.once("exit", () => resolve(ended())));
  return exit.then(atExit =>
    Promise.race([
      launched.finished,
      new Promise<Finished>(resolve => setTimeout(() => resolve(atExit), PIPE_GRACE_MS).unref()),
    ]),
  );
}

/** How long the pipes of an exited process may stay open before its output is taken as it is. */
const PIPE_GRACE_MS = 2_000;

/** The host pids of the init's children now (for cases that wait for the command to start). */
export function childrenOf(pid: number): number[] {
  return descendants(pid)
    .filter(p => p.ppid === pid)
    .map(p => p.pid);
}

/**
 * Runs `c` against `init` where it is placed: within CASE_TIMEOUT_MS, in a directory of its own,
 * and with every process it started dead afterwards, whatever the outcome.
 */
export async function runCase(
  c: ConformanceCase,
  init: Init,
  placement: Placement,
  program: (name: HelperProgram) => string,
): Promise<Outcome> {
  const dir = mkdtempSync(join(tmpdir(), `podinit-conformance-${c.id}-`));
  let ended = false;
  const running = c.run(contextFor(init, placement, dir, program, () => ended));
  let outcome: Outcome;
  try {
    await within(running, CASE_TIMEOUT_MS, `${c.id} against ${init.name}`);
    outcome = { result: "pass" };
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    outcome =
      error instanceof NotExpressible
        ? { result: "not expressible", detail }
        : { result: "fail", detail };
  }
  ended = true;
  try {
    // What it started dies; then a case that ran out of time gets to unwind (its waits fail at
    // once), and whatever it started meanwhile dies too.
    await killLeftovers();
    await within(running, WAIT_MS, "the case to unwind").catch(() => undefined);
    await killLeftovers();
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    outcome = { result: "fail", detail: `cleaning up: ${detail}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return outcome;
}
