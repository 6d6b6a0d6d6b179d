// The host's process table from /proc, for tests and the benchmarks (no test-runner hooks here).

import { readdirSync, readFileSync } from "node:fs";
import { parseProcStat } from "../../init/src/proc-stat.js";

/** Clock ticks per second of /proc's CPU times (USER_HZ): 100 on Linux. */
export const CLOCK_TICKS_PER_SECOND = 100;

export interface HostProcess {
  readonly pid: number;
  readonly ppid: number;
  readonly pgid: number;
  readonly state: string;
  readonly comm: string;
  /** A thread of the kernel itself (PF_KTHREAD), not a user-space process. */
  readonly kernelThread: boolean;
  /** User and system CPU time so far, in clock ticks (CLOCK_TICKS_PER_SECOND). */
  readonly cpuTicks: number;
  /** When it started, in clock ticks after boot: with the pid, what tells it from a later process. */
  readonly startTicks: number;
}

const PF_KTHREAD = 0x00200000;

/** One process, from /proc/<pid>/stat; null once it has gone. */
export function readProcess(pid: number): HostProcess | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return null;
  }
  const parsed = parseProcStat(stat);
  if (parsed === null) return null;
  const { comm, state, ppid, pgid, cpuTicks, startTicks } = parsed;
  const kernelThread = (parsed.flags & PF_KTHREAD) !== 0;
  return { pid, comm, state, ppid, pgid, kernelThread, cpuTicks, startTicks };
}

/** The host's process table, read from /proc. */
export function processTable(): HostProcess[] {
  const table: HostProcess[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^[0-9]+$/.test(name)) continue;
    const row = readProcess(Number(name));
    if (row !== null) table.push(row);
  }
  return table;
}

function hasAncestor(parents: ReadonlyMap<number, number>, pid: number, ancestor: number): boolean {
  for (
    let current = parents.get(pid);
    current !== undefined && current > 0;
    current = parents.get(current)
  ) {
    if (current === ancestor) return true;
  }
  return false;
}

function parentsOf(table: readonly HostProcess[]): Map<number, number> {
  return new Map(table.map(p => [p.pid, p.ppid]));
}

export function isDescendant(pid: number, ancestor: number): boolean {
  return hasAncestor(parentsOf(processTable()), pid, ancestor);
}

/** Processes below `ancestor` in `table` (a fresh read by default), zombies included. */
export function descendants(
  ancestor: number,
  table: readonly HostProcess[] = processTable(),
): HostProcess[] {
  const parents = parentsOf(table);
  return table.filter(p => hasAncestor(parents, p.pid, ancestor));
}
