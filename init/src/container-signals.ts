// Delivers signals to the container's processes: the main process, its group, or every process podinit started.

import type { Log } from "./log.js";
import { signalName } from "#options/signals.js";
import { descendantsOf, type Sys } from "./sys.js";

export interface LiveProcess {
  readonly pid: number;
  readonly pgid: number;
}

export class ContainerSignals {
  constructor(
    private readonly sys: Sys,
    private readonly log: Log,
    private readonly mainPid: number,
    /** PID 1 of its namespace: may signal every process in it with kill(-1). */
    private readonly isPid1: boolean,
  ) {}

  /**
   * Sends a signal to every process of the container. As PID 1 that is kill(-1), which the kernel
   * applies atomically to the whole namespace. Otherwise it is the child's process group plus the
   * descendants that left it (setsid daemons), found in the process table.
   */
  everyone(signal: number, known?: readonly LiveProcess[] | null): void {
    if (this.isPid1) {
      this.send(-1, signal);
      return;
    }
    this.send(-this.mainPid, signal);
    const outsiders = (known === undefined ? this.remaining() : known) ?? [];
    for (const process of outsiders) {
      if (process.pgid !== this.mainPid) this.send(process.pid, signal);
    }
  }

  /** Live descendants of podinit (zombies excluded), or null when the process table is unreadable. */
  remaining(): LiveProcess[] | null {
    const table = this.sys.processes();
    if (table === null) return null;
    return descendantsOf(table, this.sys.getpid()).filter(p => p.state !== "Z");
  }

  send(pid: number, signal: number): void {
    const errno = this.sys.kill(pid, signal);
    if (errno !== 0) {
      const { name } = this.sys.describeErrno(errno);
      this.log.debug(`SIG${signalName(signal)} to ${pid}: ${name}`);
    } else {
      this.log.debug(`sent SIG${signalName(signal)} to ${pid}`);
    }
  }
}
