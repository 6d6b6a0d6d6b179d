// Lists the processes inside a container from the host's /proc, so it works in images without ps or even a shell.

import { readdir, readFile, readlink } from "node:fs/promises";
import { parseProcStat } from "../../../init/src/proc-stat.js";

export interface ContainerProcess {
  /** The pid as the container sees it. */
  readonly pid: number;
  readonly hostPid: number;
  /** One letter as in ps: R, S, D, Z (zombie), T … */
  readonly state: string;
  readonly command: string;
}

async function readOrNull(read: () => Promise<string>): Promise<string | null> {
  try {
    return await read();
  } catch {
    // The process exited between listing /proc and reading it.
    return null;
  }
}

function parseProcess(hostPid: number, stat: string, status: string): ContainerProcess | null {
  const parsed = parseProcStat(stat);
  const nsPids = /^NSpid:\s*(.+)$/m.exec(status)?.[1]?.trim().split(/\s+/);
  const pid = Number(nsPids?.[nsPids.length - 1]);
  if (parsed === null || !Number.isInteger(pid)) return null;
  return { pid, hostPid, state: parsed.state, command: parsed.comm };
}

/** Every process in the PID namespace of the container whose PID 1 has host pid `initHostPid`. */
export async function listContainerProcesses(initHostPid: number): Promise<ContainerProcess[]> {
  const namespace = await readOrNull(() => readlink(`/proc/${initHostPid}/ns/pid`));
  if (namespace === null) return [];
  const processes: ContainerProcess[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    if ((await readOrNull(() => readlink(`/proc/${entry}/ns/pid`))) !== namespace) continue;
    const stat = await readOrNull(() => readFile(`/proc/${entry}/stat`, "utf8"));
    const status = await readOrNull(() => readFile(`/proc/${entry}/status`, "utf8"));
    if (stat === null || status === null) continue;
    const process = parseProcess(Number(entry), stat, status);
    if (process !== null) processes.push(process);
  }
  return processes.sort((a, b) => a.pid - b.pid);
}

export function countZombies(processes: readonly Pick<ContainerProcess, "state">[]): number {
  return processes.filter(process => process.state === "Z").length;
}

/** Whether a host pid has finished: gone, or a zombie waiting for conmon to reap it. */
export async function hasExited(hostPid: number): Promise<boolean> {
  const stat = await readOrNull(() => readFile(`/proc/${hostPid}/stat`, "utf8"));
  if (stat === null) return true;
  return parseProcStat(stat)?.state === "Z";
}
