// The small system interface podinit's logic runs on: the QuickJS binding in the binary, a fake in tests.

import type { SignalDisposition } from "./signal-disposition.js";

/** How a process ended: `signal` is 0 for a normal exit with `code`. */
export interface ExitStatus {
  readonly code: number;
  readonly signal: number;
}

/** What one drain of exited children found. */
export interface Reaped {
  /** How many children other than the watched one were reaped. */
  readonly others: number;
  /** The watched child's status when it was among them. */
  readonly watched: ExitStatus | null;
  /** No child at all is left: every process of the container is gone. */
  readonly noneLeft: boolean;
  /** The signal that stopped the watched child since the last drain, or null. */
  readonly watchedStop: number | null;
}

/** One line of the process table: what podinit needs to find its descendants. */
export interface ProcessEntry {
  readonly pid: number;
  readonly ppid: number;
  readonly pgid: number;
  /** The kernel's one-letter state; "Z" is a zombie waiting to be reaped. */
  readonly state: string;
}

/**
 * How the child gets stdin's terminal: "session" makes it the controlling terminal of the child's
 * new session (podinit leads its own session and gave the terminal up); "foreground-group" keeps
 * the child in podinit's session as the terminal's foreground process group (podinit was started
 * from a shell and cannot hand the terminal to another session).
 */
export type TerminalMode = "none" | "session" | "foreground-group";

/** What starting the command gave: its pid, or why it never ran (exec: the command; fork: podinit). */
export type SpawnResult =
  { readonly pid: number } | { readonly failed: "exec" | "fork"; readonly errno: number };

export interface Sys {
  /** Runs command[0] (PATH lookup) in a new session or, for "foreground-group", a new process group. */
  spawn(command: readonly string[], terminal: TerminalMode): SpawnResult;
  /** After a successful spawn: podinit itself lets go of its working directory and descriptors. */
  releaseResources(): void;
  /** Reaps every child that has exited (waitpid(-1, WNOHANG | WUNTRACED) until none is ready), noting `watch`'s status and stops. */
  reap(watch: number): Reaped;
  /** kill(2): 0 or an errno. */
  kill(pid: number, signal: number): number;
  /** What process `pid` does with `signal`, or null when that cannot be read. */
  signalDisposition(pid: number, signal: number): SignalDisposition | null;
  /** Gives stdin's terminal to process group `pgid` when podinit's own group holds it: 0 or an errno. */
  handForeground(pgid: number): number;
  /** The next signal sent to podinit, or 0 when the timeout passed first. */
  waitSignal(timeoutMs: number): number;
  /** Milliseconds on a monotonic clock. */
  now(): number;
  /** Every process podinit can see, or null when the process table cannot be read. */
  processes(): readonly ProcessEntry[] | null;
  getpid(): number;
  describeErrno(errno: number): { readonly name: string; readonly text: string };
}

/** What podinit needs beyond supervising: start-up calls and the install subcommand. */
export interface PodinitSys extends Sys {
  blockSignals(): number;
  setSubreaper(): number;
  isatty(fd: number): boolean;
  isSessionLeader(): boolean;
  detachTerminal(): number;
  copySelf(path: string): number;
  /** 0 or an errno */
  rename(from: string, to: string): number;
  /** 0 or an errno */
  remove(path: string): number;
  writeStderr(text: string): void;
  writeStdout(text: string): void;
}

/** The processes below `root` in the process tree, found by following parent links. */
export function descendantsOf(table: readonly ProcessEntry[], root: number): ProcessEntry[] {
  const children = new Map<number, ProcessEntry[]>();
  for (const entry of table) {
    const siblings = children.get(entry.ppid);
    if (siblings === undefined) children.set(entry.ppid, [entry]);
    else siblings.push(entry);
  }
  const found: ProcessEntry[] = [];
  const queue = [root];
  for (let next = queue.pop(); next !== undefined; next = queue.pop()) {
    for (const child of children.get(next) ?? []) {
      if (child.pid === root) continue;
      found.push(child);
      queue.push(child.pid);
    }
  }
  return found;
}
