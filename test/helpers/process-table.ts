// The host's process table from /proc, for tests and the benchmarks (no test-runner hooks here).

import { readdirSync, readFileSync } from "node:fs";

export interface HostProcess {
  readonly pid: number;
  readonly ppid: number;
  readonly pgid: number;
  readonly state: string;
  readonly comm: string;
  /** A thread of the kernel itself (PF_KTHREAD), not a user-space process. */
  readonly kernelThread: boolean;
  /** User and system CPU time so far, in clock ticks (100 per second). */
  readonly cpuTicks: number;
}

const PF_KTHREAD = 0x00200000;

/** The host's process table, read from /proc. */
export function processTable(): HostProcess[] {
  const table: HostProcess[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^[0-9]+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, "utf8");
    } catch {
      continue;
    }
    const open = stat.indexOf("(");
    const close = stat.lastIndexOf(")");
    const fields = stat.slice(close + 2).split(" ");
    table.push({
      pid: Number(name),
      comm: stat.slice(open + 1, close),
      state: fields[0] ?? "?",
      ppid: Number(fields[1]),
      pgid: Number(fields[2]),
      kernelThread: (Number(fields[6]) & PF_KTHREAD) !== 0,
      cpuTicks: Number(fields[11]) + Number(fields[12]),
    });
  }
  return table;
}

export function isDescendant(pid: number, ancestor: number): boolean {
  const parents = new Map(processTable().map(p => [p.pid, p.ppid]));
  for (
    let current = parents.get(pid);
    current !== undefined && current > 0;
    current = parents.get(current)
  ) {
    if (current === ancestor) return true;
  }
  return false;
}
