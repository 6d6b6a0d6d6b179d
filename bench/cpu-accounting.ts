// CPU time from /proc: a server's own, the hypervisor's steal, and what processes other than the bench's used.

import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import {
  CLOCK_TICKS_PER_SECOND,
  descendants,
  processTable,
  readProcess,
} from "../test/support/process-table.js";

/** CPU seconds (user + system) a server has used so far. */
export function cpuSeconds(child: ChildProcess): number {
  const row = readProcess(child.pid ?? -1);
  if (row === null) throw new Error(`server ${child.pid} is gone`);
  return row.cpuTicks / CLOCK_TICKS_PER_SECOND;
}

/** All CPUs' ticks so far, and those the hypervisor gave to other guests (steal), from /proc/stat. */
export function cpuTicks(): { total: number; steal: number } {
  const fields = (readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "")
    .split(/\s+/)
    .slice(1)
    .map(Number);
  return { total: fields.reduce((a, b) => a + b, 0), steal: fields[7] ?? 0 };
}

/**
 * CPU ticks used so far by each user-space process that is not this bench or one of its
 * descendants (servers, h2load, the registry): what else ran on this machine. Kernel threads are
 * left out: their work here is mostly the softirqs of our own loopback traffic. A runaway process
 * took most of a CPU during a whole bench run once, unseen by steal. Processes that end between
 * two readings are not seen: this catches what runs for long, which is what moves a verdict.
 */
function foreignTicks(): Map<number, number> {
  const table = processTable();
  const ours = new Set(descendants(process.pid, table).map(p => p.pid)).add(process.pid);
  return new Map(
    table.filter(p => !p.kernelThread && !ours.has(p.pid)).map(p => [p.pid, p.cpuTicks]),
  );
}

/**
 * Starts counting what other processes use; the function returned gives their share of one CPU
 * since then. A share of one CPU rather than of all: one busy neighbour is what moves a verdict.
 */
export function foreignShareSince(): () => number {
  const before = foreignTicks();
  const started = Date.now();
  return () => {
    const after = foreignTicks();
    const seconds = (Date.now() - started) / 1000;
    let ticks = 0;
    for (const [pid, now] of after) ticks += now - (before.get(pid) ?? 0);
    return ticks / (seconds * CLOCK_TICKS_PER_SECOND);
  };
}
