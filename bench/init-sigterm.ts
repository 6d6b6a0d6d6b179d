// SIGTERM to PID 1 of a fresh PID namespace running `sh -c 'sleep 1000'`: time until the whole namespace is gone.

import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { PID_NAMESPACE } from "../test/support/tracked-processes.js";
import { median } from "./median.js";
import { INITS, type Init } from "./init-peers.js";

/** A namespace still running this long after SIGTERM never stops by itself (sh as PID 1 ignores it). */
const GIVE_UP_MS = 3000;

/** `reps` rounds over every init and none at all; podinitMs is Infinity when one of its runs never ended. */
export async function measureSigterm(reps: number): Promise<{ rows: string[]; podinitMs: number }> {
  const configs: readonly Init[] = [{ name: "none (sh is PID 1)", argv: [] }, ...INITS];
  const results = new Map<string, (number | null)[]>();
  for (let rep = 0; rep < reps; rep++) {
    for (const init of configs) {
      results.set(init.name, [...(results.get(init.name) ?? []), await sigtermOnce(init)]);
    }
  }
  const rows = ["| init | SIGTERM → all gone, median (ms) |", "| --- | ---: |"];
  for (const init of configs) {
    const values = results.get(init.name) ?? [];
    const done = values.filter((v): v is number => v !== null);
    rows.push(
      `| ${init.name} | ${done.length < values.length ? "never (still running after 3 s)" : median(done).toFixed(2)} |`,
    );
  }
  const podinit = results.get("podinit") ?? [];
  const podinitMs = podinit.includes(null)
    ? Infinity
    : median(podinit.filter((v): v is number => v !== null));
  return { rows, podinitMs };
}

/** Milliseconds from SIGTERM to the namespace's end, or null when it outlived GIVE_UP_MS. */
async function sigtermOnce(init: Init): Promise<number | null> {
  const child = spawn(
    PID_NAMESPACE[0],
    [...PID_NAMESPACE.slice(1), ...init.argv, "sh", "-c", "sleep 1000"],
    { stdio: "ignore" },
  );
  const closed = new Promise<number>(r => child.on("close", () => r(performance.now())));
  const pid1 = await findSleepingNamespace(child.pid ?? 0);
  const sent = performance.now();
  process.kill(pid1, "SIGTERM");
  const timeout = new Promise<null>(r => setTimeout(() => r(null), GIVE_UP_MS));
  const finished = await Promise.race([closed, timeout]);
  if (finished === null) {
    child.kill("SIGKILL");
    await closed;
    return null;
  }
  return finished - sent;
}

function childrenOf(pid: number): number[] {
  try {
    const text = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim();
    return text === "" ? [] : text.split(" ").map(Number);
  } catch {
    return [];
  }
}

function subtreeRuns(pid: number, comm: string): boolean {
  return childrenOf(pid).some(child => {
    try {
      if (readFileSync(`/proc/${child}/comm`, "utf8").trim() === comm) return true;
    } catch {
      return false;
    }
    return subtreeRuns(child, comm);
  });
}

/** The namespace's PID 1 (host pid), once `sleep` runs below it: SIGTERM before that would time the start-up. */
async function findSleepingNamespace(unshare: number): Promise<number> {
  for (let attempt = 0; attempt < 1000; attempt++) {
    const pid1 = childrenOf(unshare)[0];
    if (pid1 !== undefined && subtreeRuns(pid1, "sleep")) return pid1;
    await sleep(5);
  }
  throw new Error("the benchmark namespace never started sleep");
}
