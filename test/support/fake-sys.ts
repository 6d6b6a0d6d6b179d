// A simulated process table with virtual time, implementing podinit's Sys for tests of the pure supervisor logic.
import type {
  ExitStatus,
  ProcessEntry,
  Reaped,
  SpawnResult,
  Sys,
  TerminalMode,
} from "../../init/src/sys.js";
import type { SignalDisposition } from "../../init/src/signal-disposition.js";

const ESRCH = 3;
const SIGKILL = 9;
const SIGCHLD = 17;
const SIGSTOP = 19;
const SIGCONT = 18;
/** Signals whose default action is to do nothing (the rest terminate, except STOP/CONT). */
const IGNORED_BY_DEFAULT = new Set([17, 23, 28]);

/** What a simulated process does when a signal reaches it. */
export type Reaction =
  | { readonly exitAfterMs: number; readonly code: number }
  | { readonly dieAfterMs: number; readonly bySignal: number }
  | "ignore"
  | "default";

export interface ProcessSpec {
  /** Per-signal reactions; unlisted signals take the default action. */
  readonly reactions?: Readonly<Record<number, Reaction>>;
  /** Exits on its own after this long. */
  readonly exitAfterMs?: number;
  readonly exitCode?: number;
  /** Children it starts at once (they stay in its process group unless `newGroup`). */
  readonly children?: readonly ProcessSpec[];
  readonly newGroup?: boolean;
  /** A process the kernel cannot kill (stuck in uninterruptible sleep). */
  readonly unkillable?: boolean;
}

interface SimProcess {
  readonly pid: number;
  ppid: number;
  readonly pgid: number;
  readonly spec: ProcessSpec;
  state: "R" | "T" | "Z";
  status: ExitStatus | null;
  /** The signal that stopped it, until a reap reports it. */
  stoppedBy: number | null;
  exitScheduled: boolean;
}

export interface SentSignal {
  readonly at: number;
  readonly pid: number;
  readonly signal: number;
}

interface Event {
  readonly at: number;
  readonly seq: number;
  readonly run: () => void;
}

export interface FakeSysOptions {
  readonly podinitPid?: number;
  /** The main program, or an exec errno (2 for ENOENT) when it cannot run, or a fork errno (11 for EAGAIN) when podinit cannot even fork. */
  readonly main: ProcessSpec | { readonly execErrno: number } | { readonly forkErrno: number };
  /** Signals sent to podinit, at virtual times. */
  readonly incoming?: readonly { readonly at: number; readonly signal: number }[];
  /** The terminal stops the main program's group (Ctrl-Z), at virtual times, with these signals. */
  readonly mainStops?: readonly { readonly at: number; readonly signal: number }[];
  /** Model a lost SIGCHLD: the kernel coalesces them, and podinit must not depend on each one. */
  readonly dropSigchld?: boolean;
}

/** Virtual time never goes past this: a supervisor that would wait forever fails the test instead. */
const TIME_LIMIT_MS = 3_600_000;
/** Waits that return at once without time passing, in a row: beyond this the supervisor is spinning. */
const SPIN_LIMIT = 1000;

export class FakeSys implements Sys {
  readonly sent: SentSignal[] = [];
  readonly spawned: (readonly string[])[] = [];
  readonly terminals: TerminalMode[] = [];
  /** Process groups podinit gave the terminal to, in order. */
  readonly foregroundHandovers: number[] = [];
  released = false;
  private clock = 0;
  private seq = 0;
  private nextPid: number;
  private readonly table = new Map<number, SimProcess>();
  private readonly events: Event[] = [];
  private readonly pending: number[] = [];
  private readonly podinitPid: number;
  private idleWaits = 0;

  constructor(private readonly options: FakeSysOptions) {
    this.podinitPid = options.podinitPid ?? 1;
    this.nextPid = this.podinitPid + 1;
    for (const { at, signal } of options.incoming ?? []) {
      this.schedule(at, () => this.pending.push(signal));
    }
  }

  spawn(command: readonly string[], terminal: TerminalMode): SpawnResult {
    this.spawned.push(command);
    this.terminals.push(terminal);
    const main = this.options.main;
    if ("execErrno" in main) return { failed: "exec", errno: main.execErrno };
    if ("forkErrno" in main) return { failed: "fork", errno: main.forkErrno };
    const pid = this.start(main, this.podinitPid, null);
    for (const { at, signal } of this.options.mainStops ?? []) {
      this.schedule(at, () => {
        const process = this.table.get(pid);
        if (process === undefined || process.state === "Z") return;
        process.state = "T";
        process.stoppedBy = signal;
        this.notifyPodinit();
      });
    }
    return { pid };
  }

  releaseResources(): void {
    this.released = true;
  }

  reap(watch: number): Reaped {
    let others = 0;
    let watched: ExitStatus | null = null;
    const main = this.table.get(watch);
    const watchedStop = main?.stoppedBy ?? null;
    if (main !== undefined) main.stoppedBy = null;
    for (const process of [...this.table.values()]) {
      if (process.ppid !== this.podinitPid || process.state !== "Z" || process.status === null)
        continue;
      this.table.delete(process.pid);
      if (process.pid === watch) watched = process.status;
      else others++;
    }
    const noneLeft = ![...this.table.values()].some(p => p.ppid === this.podinitPid);
    return { others, watched, noneLeft, watchedStop };
  }

  kill(pid: number, signal: number): number {
    this.sent.push({ at: this.clock, pid, signal });
    const targets = [...this.table.values()].filter(p => {
      if (p.state === "Z") return false;
      if (pid === -1) return true;
      if (pid < -1) return p.pgid === -pid;
      return p.pid === pid;
    });
    if (pid === this.podinitPid) return 0;
    if (targets.length === 0) return ESRCH;
    for (const target of targets) this.deliver(target, signal);
    return 0;
  }

  signalDisposition(pid: number, signal: number): SignalDisposition | null {
    const process = this.table.get(pid);
    if (process === undefined || process.state === "Z") return null;
    const reaction = process.spec.reactions?.[signal] ?? "default";
    if (reaction === "default") return "default";
    return reaction === "ignore" ? "ignored" : "caught";
  }

  handForeground(pgid: number): number {
    this.foregroundHandovers.push(pgid);
    return 0;
  }

  waitSignal(timeoutMs: number): number {
    const until = this.clock + timeoutMs;
    let eventsRun = 0;
    for (;;) {
      const signal = this.pending.shift();
      if (signal !== undefined) {
        this.idleWaits = 0;
        return signal;
      }
      const next = this.events[0];
      if (next === undefined || next.at > until) {
        this.countIdleWait(timeoutMs === 0 && eventsRun === 0);
        this.advanceTo(until);
        return 0;
      }
      eventsRun++;
      this.events.shift();
      this.advanceTo(next.at);
      next.run();
    }
  }

  now(): number {
    return this.clock;
  }

  processes(): readonly ProcessEntry[] {
    return [...this.table.values()].map(p => ({
      pid: p.pid,
      ppid: p.ppid,
      pgid: p.pgid,
      state: p.state,
    }));
  }

  getpid(): number {
    return this.podinitPid;
  }

  describeErrno(errno: number): { readonly name: string; readonly text: string } {
    const names: Record<number, [string, string]> = {
      2: ["ENOENT", "No such file or directory"],
      3: ["ESRCH", "No such process"],
      13: ["EACCES", "Permission denied"],
    };
    const [name, text] = names[errno] ?? [`E${errno}`, "Unknown error"];
    return { name, text };
  }

  /** Processes still alive (not zombies), for assertions. */
  alive(): number[] {
    return [...this.table.values()].filter(p => p.state !== "Z").map(p => p.pid);
  }

  signalsTo(pid: number): number[] {
    return this.sent.filter(s => s.pid === pid).map(s => s.signal);
  }

  /** A real supervisor that spun here would burn a CPU forever; in a test it fails instead. */
  private countIdleWait(idle: boolean): void {
    this.idleWaits = idle ? this.idleWaits + 1 : 0;
    if (this.idleWaits > SPIN_LIMIT)
      throw new Error(
        `the supervisor waited ${SPIN_LIMIT} times at ${this.clock} ms without time passing`,
      );
  }

  private start(spec: ProcessSpec, parent: number, group: number | null): number {
    const pid = this.nextPid++;
    const pgid = group === null || spec.newGroup === true ? pid : group;
    this.table.set(pid, {
      pid,
      ppid: parent,
      pgid,
      spec,
      state: "R",
      status: null,
      stoppedBy: null,
      exitScheduled: false,
    });
    if (spec.exitAfterMs !== undefined) {
      this.exitLater(pid, spec.exitAfterMs, { code: spec.exitCode ?? 0, signal: 0 });
    }
    for (const child of spec.children ?? []) this.start(child, pid, pgid);
    return pid;
  }

  private deliver(process: SimProcess, signal: number): void {
    if (signal === SIGKILL) {
      if (process.spec.unkillable !== true) this.exit(process, { code: 0, signal: SIGKILL });
      return;
    }
    if (signal === SIGSTOP) {
      process.state = "T";
      process.stoppedBy = SIGSTOP;
      return;
    }
    if (signal === SIGCONT && process.state === "T") {
      // As in the kernel, a stop continued before anyone waited is no longer reported.
      process.state = "R";
      process.stoppedBy = null;
    }
    const reaction = process.spec.reactions?.[signal] ?? "default";
    if (reaction === "ignore") return;
    if (reaction === "default") {
      if (!IGNORED_BY_DEFAULT.has(signal) && signal !== SIGCONT)
        this.exit(process, { code: 0, signal });
      return;
    }
    if ("code" in reaction)
      this.exitLater(process.pid, reaction.exitAfterMs, { code: reaction.code, signal: 0 });
    else this.exitLater(process.pid, reaction.dieAfterMs, { code: 0, signal: reaction.bySignal });
  }

  private exitLater(pid: number, afterMs: number, status: ExitStatus): void {
    const process = this.table.get(pid);
    if (process === undefined || process.exitScheduled) return;
    process.exitScheduled = true;
    this.schedule(this.clock + afterMs, () => {
      const current = this.table.get(pid);
      if (current !== undefined && current.state !== "Z") this.exit(current, status);
    });
  }

  private exit(process: SimProcess, status: ExitStatus): void {
    if (process.state === "Z") return;
    process.state = "Z";
    process.status = status;
    // Orphans go to podinit: it is PID 1 or a child subreaper.
    for (const other of this.table.values()) {
      if (other.ppid === process.pid) {
        other.ppid = this.podinitPid;
        if (other.state === "Z") this.notifyPodinit();
      }
    }
    if (process.ppid === this.podinitPid) this.notifyPodinit();
    else {
      // A living parent that is not podinit reaps its own child at once.
      const parent = this.table.get(process.ppid);
      if (parent !== undefined && parent.state !== "Z") this.table.delete(process.pid);
    }
  }

  private notifyPodinit(): void {
    if (this.options.dropSigchld !== true && !this.pending.includes(SIGCHLD))
      this.pending.push(SIGCHLD);
  }

  private schedule(at: number, run: () => void): void {
    if (at > TIME_LIMIT_MS) throw new Error(`virtual time ran past ${TIME_LIMIT_MS} ms`);
    this.events.push({ at, seq: this.seq++, run });
    this.events.sort((a, b) => a.at - b.at || a.seq - b.seq);
  }

  private advanceTo(at: number): void {
    if (at > TIME_LIMIT_MS)
      throw new Error(`the supervisor waited past ${TIME_LIMIT_MS} ms of virtual time`);
    this.clock = Math.max(this.clock, at);
  }
}

/** A log that keeps its lines for assertions. */
export function captureLog(): {
  readonly lines: string[];
  readonly log: import("../../init/src/log.js").Log;
} {
  const lines: string[] = [];
  const keep = (level: string) => (message: string) => lines.push(`${level}: ${message}`);
  return {
    lines,
    log: { error: keep("error"), warn: keep("warn"), info: keep("info"), debug: keep("debug") },
  };
}
