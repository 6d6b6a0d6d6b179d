// What podinit and its peers cost in their binaries, their memory, their start-up, and their reaping of an orphan storm.

import { execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { shellWords } from "../test/support/shell-words.js";
import { binaryOf, INITS } from "./init-peers.js";
import { median } from "./median.js";

/** How often an init's peak RSS is read while it runs: often enough to see it before it exits. */
const READ_EVERY_MS = 20;

/** Binary size and linkage. */
export function measureBinaries(): {
  rows: string[];
  podinitBytes: number;
  podinitStatic: boolean;
} {
  const rows = ["| binary | size (bytes) | linkage |", "| --- | ---: | --- |"];
  let podinitBytes = 0;
  let podinitStatic = false;
  for (const init of INITS) {
    const path = binaryOf(init);
    const bytes = statSync(path).size;
    const linkage = execFileSync("file", ["-b", "-L", path], { encoding: "utf8" });
    const isStatic = /statically linked/.test(linkage);
    if (init.name === "podinit") {
      podinitBytes = bytes;
      podinitStatic = isStatic;
    }
    rows.push(
      `| ${init.name} | ${bytes.toLocaleString("en")} | ${isStatic ? "static" : "dynamic"} |`,
    );
  }
  return { rows, podinitBytes, podinitStatic };
}

/**
 * The init's own peak RSS (VmHWM from its status file, not the child's) over its whole run
 * supervising `sleep`: sampled until it exits, since a single early sample would miss any growth.
 */
export async function measureRss(
  runs: number,
): Promise<{ rows: string[]; podinitKb: number; byInit: Map<string, number> }> {
  const byInit = new Map<string, number[]>();
  for (let round = 0; round < runs; round++) {
    for (const init of INITS) {
      const child = spawn(init.argv[0] ?? "", [...init.argv.slice(1), "sleep", "0.6"], {
        stdio: "ignore",
      });
      let exited = false;
      child.on("exit", () => (exited = true));
      let hwm = 0;
      while (!exited) {
        const peak = readPeakRss(child.pid ?? 0);
        if (peak !== null) hwm = Math.max(hwm, peak);
        await sleep(READ_EVERY_MS);
      }
      byInit.set(init.name, [...(byInit.get(init.name) ?? []), hwm]);
    }
  }
  const rows = ["| init | own peak RSS (VmHWM, KB, median) |", "| --- | ---: |"];
  const medians = new Map<string, number>();
  for (const init of INITS) {
    const value = median(byInit.get(init.name) ?? []);
    medians.set(init.name, value);
    rows.push(`| ${init.name} | ${value} |`);
  }
  return { rows, podinitKb: medians.get("podinit") ?? NaN, byInit: medians };
}

/** VmHWM in KB, or null once the process is gone (or a zombie, whose status has no memory lines). */
function readPeakRss(pid: number): number | null {
  try {
    const found = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return found === null ? null : Number(found[1]);
  } catch {
    return null;
  }
}

/** Wall time to run /bin/true through each init, with hyperfine, in two passes of opposite order. */
export function measureTrue(runs: number): { rows: string[]; ratio: number } {
  const commands = [
    ["direct", ["/bin/true"]] as const,
    ...INITS.map(i => [i.name, [...i.argv, "/bin/true"]] as const),
  ];
  const samples = new Map<string, number[]>();
  const dir = mkdtempSync(join(tmpdir(), "podinit-bench-"));
  try {
    for (const order of [commands, [...commands].reverse()]) {
      const out = join(dir, "true.json");
      execFileSync(
        "hyperfine",
        [
          "-N",
          "--warmup",
          "30",
          "--runs",
          String(runs),
          "--export-json",
          out,
          ...order.map(([, argv]) => shellWords(argv)),
        ],
        { stdio: "ignore" },
      );
      const report = JSON.parse(readFileSync(out, "utf8")) as { results: { times: number[] }[] };
      order.forEach(([name], index) => {
        const times = report.results[index]?.times ?? [];
        samples.set(name, [...(samples.get(name) ?? []), ...times.map(t => t * 1000)]);
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const rows = ["| command | median (ms) | p90 (ms) |", "| --- | ---: | ---: |"];
  for (const [name] of commands) {
    const times = [...(samples.get(name) ?? [])].sort((a, b) => a - b);
    rows.push(
      `| ${name} | ${median(times).toFixed(3)} | ${(times[Math.floor(times.length * 0.9)] ?? NaN).toFixed(3)} |`,
    );
  }
  const ratio = median(samples.get("podinit") ?? []) / median(samples.get("tini-static") ?? []);
  return { rows, ratio };
}

interface StormResult {
  readonly adopted: number;
  readonly exit_storm_ms: number;
  readonly reap_lag_ms: number | null;
  readonly left: number;
}

/** 2,000 orphans exiting at once under each init as PID 1: the init's reap lag after the last exit. */
export function measureReaping(reps: number): {
  rows: string[];
  podinitLag: number;
  tiniLag: number;
} {
  const lags = new Map<string, number[]>();
  const left = new Map<string, number>();
  for (let rep = 0; rep < reps; rep++) {
    for (const init of INITS) {
      const result = spawnSync(
        "unshare",
        [
          "--pid",
          "--fork",
          "--mount-proc",
          ...init.argv,
          "python3",
          join(import.meta.dirname, "reap_storm.py"),
          "2000",
        ],
        { encoding: "utf8", timeout: 120_000 },
      );
      const line = result.stdout.trim().split("\n").pop() ?? "{}";
      const storm = JSON.parse(line) as StormResult;
      left.set(init.name, Math.max(left.get(init.name) ?? 0, storm.left ?? 2000));
      if (storm.reap_lag_ms !== null)
        lags.set(init.name, [...(lags.get(init.name) ?? []), storm.reap_lag_ms]);
    }
  }
  const rows = [
    "| init (PID 1) | reap lag after last exit, median (ms) | max (ms) | orphans left |",
    "| --- | ---: | ---: | ---: |",
  ];
  for (const init of INITS) {
    const values = lags.get(init.name) ?? [];
    rows.push(
      `| ${init.name} | ${median(values).toFixed(1)} | ${Math.max(...values).toFixed(1)} | ${left.get(init.name)} |`,
    );
  }
  return {
    rows,
    podinitLag: median(lags.get("podinit") ?? []),
    tiniLag: median(lags.get("tini") ?? []),
  };
}
