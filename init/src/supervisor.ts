// podinit's PID-1 loop: runs the command, forwards signals, reaps every zombie, stops the whole container.

import { ContainerSignals } from "./container-signals.js";
import { formatDuration } from "#options/duration.js";
import { childDecidesJobControl, translateSignal } from "./signal-routing.js";
import { describeStatus, exitCodeOf, spawnFailure } from "./exit-status.js";
import type { Log } from "./log.js";
import type { InitOptions } from "#options/podinit-options.js";
import {
  isJobControl,
  isStopRequest,
  SIGCHLD,
  SIGCONT,
  SIGKILL,
  signalName,
  SIGSTOP,
  SIGTERM,
} from "#options/signals.js";
import type { ExitStatus, Sys, TerminalMode } from "./sys.js";

/** Even with no signal, wake up this often to reap: a lost SIGCHLD must not leave zombies behind. */
export const PERIODIC_REAP_MS = 1000;
/** After SIGKILL, how long podinit waits for the kernel to tear processes down before giving up (or, while the main process is still there, before killing again). */
export const KILL_SETTLE_MS = 2000;

export interface SupervisorSettings {
  readonly options: InitOptions;
  readonly command: readonly string[];
  /** PID 1 of its namespace: may signal every process in it with kill(-1). */
  readonly isPid1: boolean;
  /** Whether and how the child gets stdin's terminal. */
  readonly terminal: TerminalMode;
}

/**
 * Where the container is in its life. running: the main process runs; stopping: it was asked to
 * stop and still runs; cleaning-up: it exited and others remain; killing: SIGKILL was sent.
 */
type Phase = "running" | "stopping" | "cleaning-up" | "killing";

/** The one clock a phase runs against: until SIGKILL, or, killing, until SIGKILL should have worked. */
interface Deadline {
  readonly at: number;
  readonly reason: string;
}

/** Runs the command under supervision until every process of the container is gone; returns the exit code. */
export function supervise(sys: Sys, log: Log, settings: SupervisorSettings): number {
  const started = sys.spawn(settings.command, settings.terminal);
  if ("failed" in started) {
    const failure = spawnFailure(settings.command[0] ?? "", started, sys);
    log.error(failure.message);
    return failure.code;
  }
  sys.releaseResources();
  log.debug(`started ${JSON.stringify(settings.command)} as pid ${started.pid}`);
  return new Supervisor(sys, log, settings, started.pid).run();
}

class Supervisor {
  private readonly options: InitOptions;
  private readonly signals: ContainerSignals;
  private phase: Phase = "running";
  private deadline: Deadline | null = null;
  private mainStatus: ExitStatus | null = null;
  /** Asked to stop at least once: a later cleanup then waits for the grace period, not its own timeout. */
  private stopRequested = false;
  /** The stop signal has reached every process of the container (not just the child). */
  private stopReachedAll = false;
  /** A stop request held back by --stop-delay, so Service endpoints drain first. */
  private heldStop: { readonly signal: number; readonly until: number } | null = null;
  private orphansReaped = 0;
  private killRepeats = 0;

  constructor(
    private readonly sys: Sys,
    private readonly log: Log,
    private readonly settings: SupervisorSettings,
    private readonly mainPid: number,
  ) {
    this.options = settings.options;
    this.signals = new ContainerSignals(sys, log, mainPid, settings.isPid1);
  }

  /** tini's loop in three steps: reap, act on what the clock and the reaping say, wait for a signal. */
  run(): number {
    for (;;) {
      const noneLeft = this.reapAll();
      const now = this.sys.now();
      const exit = this.advance(noneLeft, now);
      if (exit !== null) return exit;
      this.waitAndForward(now);
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

  /** Moves the phase on; returns the exit code once podinit is done. */
  private advance(noneLeft: boolean, now: number): number | null {
    if (this.mainStatus !== null) {
      if (noneLeft) return this.exitCode(this.mainStatus);
      if (this.phase === "running" || this.phase === "stopping") this.startCleanup(now);
    }
    if (this.heldStop !== null && now >= this.heldStop.until) {
      const { signal } = this.heldStop;
      this.heldStop = null;
      this.forwardStop(signal);
    }
    if (this.deadline === null || now < this.deadline.at) return null;
    if (this.phase !== "killing") {
      this.killEveryone(this.deadline.reason, now);
      return null;
    }
    if (this.mainStatus !== null) {
      this.log.warn("processes still exist after SIGKILL; exiting without them");
      return this.exitCode(this.mainStatus);
    }
    this.killAgain(now);
    return null;
  }

  private waitAndForward(now: number): void {
    let next = now + PERIODIC_REAP_MS;
    if (this.heldStop !== null) next = Math.min(next, this.heldStop.until);
    if (this.deadline !== null) next = Math.min(next, this.deadline.at);
    const signal = this.sys.waitSignal(Math.max(0, Math.ceil(next - now)));
    if (signal !== 0 && signal !== SIGCHLD) this.onSignal(signal);
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
    this.signals.send(this.sys.getpid(), SIGSTOP);
  }

  private onSignal(signal: number): void {
    if (signal === SIGCONT && this.settings.terminal === "foreground-group")
      this.sys.handForeground(this.mainPid);
    if (isStopRequest(signal)) this.onStopRequest(signal);
    else if (isJobControl(signal)) this.onJobControl(signal);
    else this.forwardAs(signal, translateSignal(this.options, signal));
  }

  private onStopRequest(signal: number): void {
    const now = this.sys.now();
    if (!this.stopRequested) {
      this.stopRequested = true;
      if (this.phase === "running") this.phase = "stopping";
      this.log.info(`received SIG${signalName(signal)}: stopping the container`);
      const grace = this.options.gracePeriodMs;
      if (grace !== null)
        this.setKillDeadline(now + grace, `grace period of ${formatDuration(grace)} expired`);
      // The cleanup after the main process already asked everyone to stop: asking twice could make
      // an app that takes a second SIGTERM as "hurry up" skip its shutdown work.
      if ((this.phase === "cleaning-up" || this.phase === "killing") && this.stopReachedAll) return;
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
    const target = translateSignal(this.options, signal);
    if (target === 0) {
      this.log.debug(`dropped SIG${signalName(signal)} (rewritten to none)`);
      return;
    }
    if (this.options.forward === "child") {
      if (this.mainStatus === null) this.signals.send(this.mainPid, target);
      return;
    }
    this.signals.everyone(target);
    this.stopReachedAll = true;
  }

  /**
   * TSTP, TTIN and TTOU: stop the child's group (which, in its own session, would ignore them) and
   * podinit with it. An app that got the signal itself (--forward=child, with a handler) decides
   * whether it stops; if it does, onMainStopped follows it.
   */
  private onJobControl(signal: number): void {
    const target = childDecidesJobControl(this.options, this.sys, this.mainPid, signal)
      ? signal
      : translateSignal(this.options, signal);
    this.forwardAs(signal, target);
    if (target === SIGSTOP && !this.settings.isPid1) this.signals.send(this.sys.getpid(), SIGSTOP);
  }

  private forwardAs(signal: number, target: number): void {
    if (target === 0) {
      this.log.debug(`dropped SIG${signalName(signal)} (rewritten to none)`);
      return;
    }
    if (this.options.forward === "group") this.signals.send(-this.mainPid, target);
    else if (this.mainStatus === null) this.signals.send(this.mainPid, target);
  }

  /** The main process is gone but others remain: ask them to stop, then kill them after the timeout. */
  private startCleanup(now: number): void {
    this.phase = "cleaning-up";
    // A stop signal still held back by --stop-delay is the one the container was asked to stop with.
    const asked = this.heldStop?.signal ?? SIGTERM;
    this.heldStop = null;
    if (!this.stopReachedAll || this.options.forward === "child") {
      const remaining = this.signals.remaining();
      const count = remaining === null ? "the remaining" : String(remaining.length);
      const stop = translateSignal(this.options, asked) || SIGTERM;
      this.log.info(
        `main process exited; sending SIG${signalName(stop)} to ${count} remaining process(es)`,
      );
      this.signals.everyone(stop);
      this.stopReachedAll = true;
    }
    // After a stop request the remaining processes are finishing their shutdown: only the grace
    // period (podinit's or the kubelet's) may cut that short, never the cleanup timeout.
    if (!this.stopRequested) {
      const timeout = this.options.cleanupTimeoutMs;
      this.setKillDeadline(now + timeout, `cleanup timeout of ${formatDuration(timeout)} expired`);
    }
  }

  /** The earliest of the grace period and the cleanup timeout wins; once killing, neither counts. */
  private setKillDeadline(at: number, reason: string): void {
    if (this.phase === "killing") return;
    if (this.deadline === null || at < this.deadline.at) this.deadline = { at, reason };
  }

  private killEveryone(reason: string, now: number): void {
    const remaining = this.signals.remaining();
    const count =
      remaining === null ? "every remaining process" : `${remaining.length} remaining process(es)`;
    this.log.warn(`${reason}: killing ${count} with SIGKILL`);
    this.signals.everyone(SIGKILL, remaining);
    this.settleAfterKill(now);
  }

  /**
   * The main process outlived SIGKILL (stuck in the kernel, or, when podinit is not PID 1, a process
   * that appeared after the one snapshot): kill again and keep waiting, since exiting now would hide
   * the main process's exit code.
   */
  private killAgain(now: number): void {
    const remaining = this.signals.remaining();
    const message = `main process ${this.mainPid} still exists ${formatDuration(KILL_SETTLE_MS)} after SIGKILL; killing again`;
    // Once is news; every 2 s after that would drown the app's own lines.
    if (this.killRepeats++ === 0) this.log.warn(message);
    else this.log.debug(message);
    this.signals.everyone(SIGKILL, remaining);
    this.settleAfterKill(now);
  }

  /** SIGKILL is sent: the kernel gets KILL_SETTLE_MS to tear the processes down. */
  private settleAfterKill(now: number): void {
    this.phase = "killing";
    this.deadline = { at: now + KILL_SETTLE_MS, reason: "SIGKILL did not end every process" };
  }

  private exitCode(status: ExitStatus): number {
    const { code, remappedFrom } = exitCodeOf(status, this.options.remapExit);
    if (this.orphansReaped > 0)
      this.log.debug(`reaped ${this.orphansReaped} orphaned process(es) in all`);
    this.log.info(
      remappedFrom === null
        ? `exiting with ${code}`
        : `exiting with ${code} (remapped from ${remappedFrom})`,
    );
    return code;
  }
}
