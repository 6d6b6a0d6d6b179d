// Which CPUs the webhook bench's servers and its load generator run on.

import { spawnSync } from "node:child_process";
import { availableParallelism } from "node:os";

/**
 * The API server calls a webhook from another machine. Here h2load shares the machine, and left
 * to the scheduler it often ran on the server's CPU while the other one idled, which alone
 * multiplied the p99 at 16 connections (docs/benchmarks.md has the numbers). So the servers get
 * CPU 0 to themselves (one dedicated core, what "per CPU-second" describes) and h2load the other
 * CPUs. With a single CPU, or without taskset, nothing is pinned and the report says so.
 */
export interface CpuPlacement {
  readonly cpus: number;
  readonly pinned: boolean;
  /** taskset's CPU list for the servers… */
  readonly server: string;
  /** …and for h2load. */
  readonly client: string;
}

/** Runs taskset once to learn whether it works: called when a bench starts, never at import. */
export function placeOnCpus(): CpuPlacement {
  const cpus = availableParallelism();
  return {
    cpus,
    pinned: cpus >= 2 && spawnSync("taskset", ["-c", "0", "true"]).status === 0,
    server: "0",
    client: cpus > 2 ? `1-${cpus - 1}` : "1",
  };
}

/** `command` with `args`, run on the CPUs of `cpuList` when pinning works, else as it is. */
export function onCpus(
  placement: CpuPlacement,
  cpuList: string,
  command: string,
  args: string[],
): [string, string[]] {
  return placement.pinned ? ["taskset", ["-c", cpuList, command, ...args]] : [command, args];
}
