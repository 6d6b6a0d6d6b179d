// Types of podinit's C module (init/native/native_*.c); init/src/quickjs-sys.ts and main.ts import it.
declare module "podinit_native" {
  /**
   * How every call that can fail says so, in place of its result: an object rather than a number
   * set aside (-errno), so the types make each caller handle it. Never a throw: a throw means
   * misuse, such as an argument of the wrong type.
   */
  export interface Failure {
    readonly errno: number;
  }
  /** spawn's failure also names the step: "exec" (the command could not run) or "fork" (podinit could not start it). */
  export interface SpawnFailure extends Failure {
    readonly stage: "exec" | "fork";
  }
  /** The command line, program name first. */
  export function args(): string[];
  export function environ(): Record<string, string>;
  export function exit(code: number): never;
  /** Writes all of text to fd. */
  export function write(fd: number, text: string): 0 | Failure;
  /** Entry names without . and .. */
  export function readdir(path: string): string[] | Failure;
  export function chdir(path: string): 0 | Failure;
  export function unlink(path: string): 0 | Failure;
  export function rename(from: string, to: string): 0 | Failure;
  /** Whether blocking every signal (done first thing in main(), remembering the inherited mask for children) worked. */
  export function blockSignals(): 0 | Failure;
  /** The next pending signal, or 0 when timeoutMs passed first or the signal was podinit's own (a SIGPIPE of its writes). */
  export function waitSignal(timeoutMs: number): number | Failure;
  /**
   * Runs argv[0] (PATH lookup) in a new session (terminal 0: no terminal, 1: stdin's terminal as
   * controlling terminal) or, for terminal 2, a new process group made the terminal's foreground.
   * Returns its pid. When the exec failed, the failed child has already been reaped.
   */
  export function spawn(argv: readonly string[], terminal: 0 | 1 | 2): number | SpawnFailure;
  /**
   * waitpid(-1, WNOHANG | WUNTRACED) until no exited child is left: [others, state, exitCode,
   * signal, stopSignal] where `others` counts reaped children other than `watch`; state bit 1:
   * `watch` was reaped (its exit code and signal follow), bit 2: no child is left at all;
   * stopSignal: the signal that stopped `watch` since the last call, or 0.
   */
  export function reapAll(watch: number): [number, number, number, number, number];
  /** kill(2) */
  export function kill(pid: number, signal: number): 0 | Failure;
  /** prctl(PR_SET_CHILD_SUBREAPER) */
  export function setSubreaper(): 0 | Failure;
  export function getpid(): number;
  export function isSessionLeader(): boolean;
  /** Gives up stdin as controlling terminal, swallowing the SIGHUP/SIGCONT that causes. */
  export function detachTerminal(): 0 | Failure;
  /** Hands stdin's terminal to process group `pgid` when podinit's group holds it (EPERM: podinit is in the background). */
  export function handForeground(pgid: number): 0 | Failure;
  export function isatty(fd: number): boolean;
  export function monotonicMs(): number;
  export function closeInheritedFds(): void;
  /** Copies /proc/self/exe to a new file (mode 0755, fsynced); a partial file is removed. */
  export function copySelf(path: string): 0 | Failure;
  /** A small file's contents (up to 8 KiB), read to the end; fails only when it cannot be opened. */
  export function readFile(path: string): string | Failure;
  export function errnoName(errno: number): string;
  export function strerror(errno: number): string;
}
