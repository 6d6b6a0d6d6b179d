// podinit's PID-1 loop: runs the command, forwards signals, reaps every zombie, stops the whole container.

import { formatDuration } from "./duration.js";
import type { Log } from "./log.js";
import type { InitOptions } from "./options.js";
import {
  isJobControl,
  isStopRequest,
  SIGCHLD,
  SIGCONT,
  SIGKILL,
  signalName,
  SIGSTOP,
  SIGTERM,
} from "./signals.js";
import { descendantsOf, type ExitStatus, type Sys, type TerminalMode } from "./sys.js";

/** Even with no signal, wake up this often to reap: a lost SIGCHLD must not leave zombies behind. */
export const PERIODIC_REAP_MS = 1000;
/** After SIGKILL, how long podinit waits for the kernel to tear processes down before giving up (or, while the main process is still there, before killing again). */
export const KILL_SETTLE_MS = 2000;
/** podinit's own failure: EX_SOFTWARE, a code no child produces by being killed. */
export const INTERNAL_ERROR_EXIT = 70;

export interface SupervisorSettings {
  readonly options: InitOptions;
  readonly command: readonly string[];
  /** PID 1 of its namespace: may signal every process in it with kill(-1). */
  readonly isPid1: boolean;
  /** Whether and how the child gets stdin's terminal. */
  readonly terminal: TerminalMode;
}

interface Deadline {
  readonly at: number;
  readonly reason: string;
}

const ENOENT = 2;
const ENOTDIR = 20;

/** Runs the command under supervision until every process of the container is gone; returns the exit code. */
export function supervise(sys: Sys, log: Log, settings: SupervisorSettings): number {
  return new Supervisor(sys, log, settings).run();
}

class Supervisor {
  private readonly options: InitOptions;
  private mainPid = 0;
  private mainStatus: ExitStatus | null = null;
  private stopRequested = false;
  /** The stop signal has reached every process of the container (not just the child). */
  private stopReachedAll = false;
  private heldStop: { readonly signal: number; readonly until: number } | null = null;
  private killDeadline: Deadline | null = null;
  private settleDeadline: number | null = null;
  private cleanupStarted = false;
  private orphansReaped = 0;
  private killRepeats = 0;

  constructor(
    private readonly sys: Sys,
    private readonly log: Log,
    private readonly settings: SupervisorSettings,
  ) {
    this.options = settings.options;
  }

  run(): number {
    const started = this.sys.spawn(this.settings.command, this.settings.terminal);
    if ("failed" in started) return this.spawnFailure(started.failed, started.errno);
    const { pid } = started;
    this.mainPid = pid;
    this.sys.releaseResources();
    this.log.debug(`started ${JSON.stringify(this.settings.command)} as pid ${pid}`);

    for (;;) {
      const noneLeft = this.reapAll();
      if (this.mainStatus !== null) {
        if (noneLeft) return this.exitCode(this.mainStatus);
        if (!this.cleanupStarted) this.startCleanup();
      }
      const now = this.sys.now();
      if (this.settleDeadline !== null && now >= this.settleDeadline) {
        if (this.mainStatus !== null) {
          this.log.warn("processes still exist after SIGKILL; exiting without them");
          return this.exitCode(this.mainStatus);
        }
        this.killAgain(now);
      }
      this.fireTimers(now);
      const signal = this.sys.waitSignal(this.nextTimeout(now));
      if (signal !== 0 && signal !== SIGCHLD) this.onSignal(signal);
    }
  }

  /** Reaps every exited child; true when podinit has no child left at all. */
  private reapAll(): boolean {
    const reaped = this.sys.reap(this.mainPid);
    if (reaped.watchedStop !== null) this.onMainStopped(reaped.watchedStop);
    if (reaped.watched !== null) {
      this.mainStatus = reaped.watched;
      this.log.info(`main process ${this.mainPid} ${describeStatus(reaped.watched)}`);
    }
    if (reaped.others > 0) {
      this.orphansReaped += reaped.others;
      this.log.debug(`reaped ${reaped.others} orphaned process(es)`);
    }
    return reaped.noneLeft;
  }

  /**
   * Ctrl-Z in the shell that started podinit stops the app, whose group holds the terminal. The
   * shell waits on podinit's own group, so podinit stops too and the shell gets its prompt back;
   * its `fg` continues podinit, which gives the terminal back to the app and continues it
   * (onSignal). Stops by SIGSTOP are podinit's own forwarding or someone's explicit choice, not
   * the terminal's: the shell does not wait on them.
   */
  private onMainStopped(signal: number): void {
    // PID 1 has no shell waiting on it, and cannot stop itself anyway.
    if (this.settings.terminal !== "foreground-group" || this.settings.isPid1) return;
    if (!isJobControl(signal)) return;
    this.log.info(`main process stopped by SIG${signalName(signal)}: stopping podinit too`);
    this.send(this.sys.getpid(), SIGSTOP);
  }

  private onSignal(signal: number): void {
    if (signal === SIGCONT && this.settings.terminal === "foreground-group")
      this.sys.handForeground(this.mainPid);
    if (isStopRequest(signal)) this.onStopRequest(signal);
    else if (isJobControl(signal)) this.onJobControl(signal);
    else this.forward(signal);
  }

  private onStopRequest(signal: number): void {
    const now = this.sys.now();
    if (!this.stopRequested) {
      this.stopRequested = true;
      this.log.info(`received SIG${signalName(signal)}: stopping the container`);
      const grace = this.options.gracePeriodMs;
      if (grace !== null)
        this.setKillDeadline(now + grace, `grace period of ${formatDuration(grace)} expired`);
      // The cleanup after the main process already asked everyone to stop: asking twice could make
      // an app that takes a second SIGTERM as "hurry up" skip its shutdown work.
      if (this.cleanupStarted && this.stopReachedAll) return;
      if (this.mainStatus === null && this.options.stopDelayMs > 0) {
        this.heldStop = { signal, until: now + this.options.stopDelayMs };
        this.log.info(
          `holding SIG${signalName(signal)} back for ${formatDuration(this.options.stopDelayMs)}`,
        );
        return;
      }
    } else if (this.heldStop !== null) {
      this.log.info(`second stop request: forwarding at once`);
      this.heldStop = null;
    }
    this.forwardStop(signal);
  }

  private forwardStop(signal: number): void {
    const target = this.translate(signal);
    if (target === 0) {
      this.log.debug(`dropped SIG${signalName(signal)} (rewritten to none)`);
      return;
    }
    if (this.options.forward === "child") {
      if (this.mainStatus === null) this.send(this.mainPid, target);
      return;
    }
    this.signalEveryone(target);
    this.stopReachedAll = true;
  }

  /**
   * TSTP, TTIN and TTOU: stop the child's group (which, in its own session, would ignore them) and
   * podinit with it. An app that got the signal itself (--forward=child, with a handler) decides
   * whether it stops; if it does, onMainStopped follows it.
   */
  private onJobControl(signal: number): void {
    const target = this.childDecides(signal) ? signal : this.translate(signal);
    this.forwardAs(signal, target);
    if (target === SIGSTOP && !this.settings.isPid1) this.send(this.sys.getpid(), SIGSTOP);
  }

  /**
   * The child alone (--forward=child) gets TSTP, TTIN or TTOU itself when it has a handler for it
   * or ignores it, so the handler runs; a group's members may differ, so a group is stopped. A
   * rewrite the user asked for wins.
   */
  private childDecides(signal: number): boolean {
    if (this.options.forward !== "child") return false;
    if (this.options.rewrites.some(r => r.from === signal)) return false;
    return (this.sys.signalDisposition(this.mainPid, signal) ?? "default") !== "default";
  }

  private forward(signal: number): void {
    this.forwardAs(signal, this.translate(signal));
  }

  private forwardAs(signal: number, target: number): void {
    if (target === 0) {
      this.log.debug(`dropped SIG${signalName(signal)} (rewritten to none)`);
      return;
    }
    if (this.options.forward === "group") this.send(-this.mainPid, target);
    else if (this.mainStatus === null) this.send(this.mainPid, target);
  }

  /** The signal the app receives for one podinit receives: rewrites, the stop signal, job control. */
  private translate(signal: number): number {
    const rewrite = this.options.rewrites.find(r => r.from === signal);
    if (rewrite !== undefined) return rewrite.to;
    if (signal === SIGTERM && this.options.stopSignal !== null) return this.options.stopSignal;
    // The child leads its own session, so its group is orphaned and the kernel ignores the default
    // stop of these three: SIGSTOP does what the default would have (see childDecides).
    if (isJobControl(signal)) return SIGSTOP;
    return signal;
  }

  /** The main process is gone but others remain: ask them to stop, then kill them after the timeout. */
  private startCleanup(): void {
    this.cleanupStarted = true;
    // A stop signal still held back by --stop-delay is the one the container was asked to stop with.
    const asked = this.heldStop?.signal ?? SIGTERM;
    this.heldStop = null;
    const remaining = this.remainingProcesses();
    const count = remaining === null ? "the remaining" : String(remaining.length);
    if (!this.stopReachedAll || this.options.forward === "child") {
      const stop = this.translate(asked) || SIGTERM;
      this.log.info(
        `main process exited; sending SIG${signalName(stop)} to ${count} remaining process(es)`,
      );
      this.signalEveryone(stop);
      this.stopReachedAll = true;
    }
    // After a stop request the remaining processes are finishing their shutdown: only the grace
    // period (podinit's or the kubelet's) may cut that short, never the cleanup timeout.
    if (!this.stopRequested) {
      const timeout = this.options.cleanupTimeoutMs;
      this.setKillDeadline(
        this.sys.now() + timeout,
        `cleanup timeout of ${formatDuration(timeout)} expired`,
      );
    }
  }

  private fireTimers(now: number): void {
    if (this.heldStop !== null && now >= this.heldStop.until) {
      const { signal } = this.heldStop;
      this.heldStop = null;
      this.forwardStop(signal);
    }
    if (this.killDeadline !== null && now >= this.killDeadline.at) {
      const { reason } = this.killDeadline;
      this.killDeadline = null;
      this.killEveryone(reason, now);
    }
  }

  private nextTimeout(now: number): number {
    let next = now + PERIODIC_REAP_MS;
    if (this.heldStop !== null) next = Math.min(next, this.heldStop.until);
    if (this.killDeadline !== null) next = Math.min(next, this.killDeadline.at);
    if (this.settleDeadline !== null && this.settleDeadline > now)
      next = Math.min(next, this.settleDeadline);
    return Math.max(0, Math.ceil(next - now));
  }

  private setKillDeadline(at: number, reason: string): void {
    if (this.settleDeadline !== null) return;
    if (this.killDeadline === null || at < this.killDeadline.at) this.killDeadline = { at, reason };
  }

  private killEveryone(reason: string, now: number): void {
    const remaining = this.remainingProcesses();
    const count =
      remaining === null ? "every remaining process" : `${remaining.length} remaining process(es)`;
    this.log.warn(`${reason}: killing ${count} with SIGKILL`);
    this.signalEveryone(SIGKILL, remaining);
    this.settleDeadline = now + KILL_SETTLE_MS;
  }

  /**
   * The main process outlived SIGKILL (stuck in the kernel, or, when podinit is not PID 1, a process
   * that appeared after the one snapshot): kill again and keep waiting, since exiting now would hide
   * the main process's exit code.
   */
  private killAgain(now: number): void {
    const remaining = this.remainingProcesses();
    const message = `main process ${this.mainPid} still exists ${formatDuration(KILL_SETTLE_MS)} after SIGKILL; killing again`;
    // Once is news; every 2 s after that would drown the app's own lines.
    if (this.killRepeats++ === 0) this.log.warn(message);
    else this.log.debug(message);
    this.signalEveryone(SIGKILL, remaining);
    this.settleDeadline = now + KILL_SETTLE_MS;
  }

  /**
   * Sends a signal to every process of the container. As PID 1 that is kill(-1), which the kernel
   * applies atomically to the whole namespace. Otherwise it is the child's process group plus the
   * descendants that left it (setsid daemons), found in the process table.
   */
  private signalEveryone(
    signal: number,
    known?: readonly { readonly pid: number; readonly pgid: number }[] | null,
  ): void {
    if (this.settings.isPid1) {
      this.send(-1, signal);
      return;
    }
    this.send(-this.mainPid, signal);
    const outsiders = (known === undefined ? this.remainingProcesses() : known) ?? [];
    for (const process of outsiders) {
      if (process.pgid !== this.mainPid) this.send(process.pid, signal);
    }
  }

  /** Live descendants of podinit (zombies excluded), or null when the process table is unreadable. */
  private remainingProcesses(): { readonly pid: number; readonly pgid: number }[] | null {
    const table = this.sys.processes();
    if (table === null) return null;
    return descendantsOf(table, this.sys.getpid()).filter(p => p.state !== "Z");
  }

  private send(pid: number, signal: number): void {
    const errno = this.sys.kill(pid, signal);
    if (errno !== 0) {
      const { name } = this.sys.describeErrno(errno);
      this.log.debug(`SIG${signalName(signal)} to ${pid}: ${name}`);
    } else {
      this.log.debug(`sent SIG${signalName(signal)} to ${pid}`);
    }
  }

  private exitCode(status: ExitStatus): number {
    const raw = status.signal !== 0 ? 128 + status.signal : status.code;
    const remap = this.options.remapExit.find(r => r.from === raw);
    const code = remap === undefined ? raw : remap.to;
    if (this.orphansReaped > 0)
      this.log.debug(`reaped ${this.orphansReaped} orphaned process(es) in all`);
    this.log.info(
      remap === undefined ? `exiting with ${code}` : `exiting with ${code} (remapped from ${raw})`,
    );
    return code;
  }

  private spawnFailure(stage: "exec" | "fork", errno: number): number {
    const program = this.settings.command[0] ?? "";
    const { name, text } = this.sys.describeErrno(errno);
    if (stage === "fork") {
      this.log.error(`cannot start '${program}': fork failed: ${text} (${name})`);
      return INTERNAL_ERROR_EXIT;
    }
    const notFound = errno === ENOENT || errno === ENOTDIR;
    const where = notFound && !program.includes("/") ? " in PATH" : "";
    this.log.error(`cannot run '${program}': ${text}${where} (${name})`);
    return notFound ? 127 : 126;
  }
}

function describeStatus(status: ExitStatus): string {
  return status.signal !== 0
    ? `was killed by SIG${signalName(status.signal)}`
    : `exited with ${status.code}`;
}
