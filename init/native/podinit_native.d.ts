// Types of podinit's C module (init/native/podinit_native.c); only init/src/quickjs-platform.ts imports it.
declare module "podinit_native" {
  /** The command line, program name first. */
  export function args(): string[];
  export function environ(): Record<string, string>;
  export function exit(code: number): never;
  /** Writes all of text to fd: 0 or an errno. */
  export function write(fd: number, text: string): number;
  /** Entry names without . and .., or null when the directory cannot be read. */
  export function readdir(path: string): string[] | null;
  /** 0 or an errno */
  export function chdir(path: string): number;
  /** 0 or an errno */
  export function unlink(path: string): number;
  /** 0 or an errno */
  export function rename(from: string, to: string): number;
  /** Whether blocking every signal (done first thing in main(), remembering the inherited mask for children) worked: 0 or an errno. */
  export function blockSignals(): number;
  /** The next pending signal, or 0 when timeoutMs passed first or the signal was podinit's own (a SIGPIPE of its writes). */
  export function waitSignal(timeoutMs: number): number;
  /**
   * Runs argv[0] (PATH lookup) in a new session (terminal 0: no terminal, 1: stdin's terminal as
   * controlling terminal) or, for terminal 2, a new process group made the terminal's foreground.
   * Returns its pid; -errno if exec failed; -(4096 + errno) if the pipe or fork failed.
   */
  export function spawn(argv: readonly string[], terminal: 0 | 1 | 2): number;
  /**
   * waitpid(-1, WNOHANG | WUNTRACED) until no exited child is left: [others, state, exitCode,
   * signal, stopSignal] where `others` counts reaped children other than `watch`; state bit 1:
   * `watch` was reaped (its exit code and signal follow), bit 2: no child is left at all;
   * stopSignal: the signal that stopped `watch` since the last call, or 0.
   */
  export function reapAll(watch: number): [number, number, number, number, number];
  /** kill(2): 0 or an errno. */
  export function kill(pid: number, signal: number): number;
  /** prctl(PR_SET_CHILD_SUBREAPER): 0 or an errno. */
  export function setSubreaper(): number;
  export function getpid(): number;
  export function isSessionLeader(): boolean;
  /** Gives up stdin as controlling terminal, swallowing the SIGHUP/SIGCONT that causes. 0 or an errno. */
  export function detachTerminal(): number;
  /** Hands stdin's terminal to process group `pgid` when podinit's group holds it: 0 or an errno (EPERM: podinit is in the background). */
  export function handForeground(pgid: number): number;
  export function isatty(fd: number): boolean;
  export function monotonicMs(): number;
  export function closeInheritedFds(): number;
  /** Copies /proc/self/exe to a new file (mode 0755, fsynced): 0 or an errno. */
  export function copySelf(path: string): number;
  /** A small file's contents (up to 8 KiB), read to the end; null when it cannot be opened. */
  export function readFile(path: string): string | null;
  export function errnoName(errno: number): string;
  export function strerror(errno: number): string;
}
