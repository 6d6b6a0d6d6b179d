// How much memory the webhook may take (the bounds a default install of the chart gives it) and has taken (the kernel's high-water mark).

import { readFileSync } from "node:fs";
import { parse } from "yaml";

/** The chart's memory limit and V8 heap bound, in MiB, as a default install sets them. */
export function chartMemory(): { limitMi: number; heapLimitMi: number } {
  const values = parse(
    readFileSync(new URL("../../../charts/podinit/values.yaml", import.meta.url), "utf8"),
  ) as { resources: { limits: { memory: string } }; server: { heapLimitMi: number } };
  const limit = /^([0-9]+)Mi$/.exec(values.resources.limits.memory)?.[1];
  if (limit === undefined) throw new Error("the chart's memory limit is not in Mi");
  return { limitMi: Number(limit), heapLimitMi: values.server.heapLimitMi };
}

/** The most memory the process has held at once (VmHWM), in MiB. */
export function peakRssMi(pid: number): number {
  const kb = /^VmHWM:\s+([0-9]+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
  if (kb === undefined) throw new Error(`no VmHWM for pid ${pid}`);
  return Number(kb) / 1024;
}
