// Measures podinit side by side with Debian's tini, tini-static, dumb-init and catatonit.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { INITS as CONFORMANCE_INITS } from "../test/conformance/inits.js";
import { PODINIT_BINARY } from "../test/helpers/podinit-binary.js";
import { shellWords } from "../test/helpers/shell-words.js";
import { PID_NAMESPACE } from "../test/helpers/tracked-processes.js";
import type { BenchSection, Check } from "./report.js";
import { median } from "./median.js";

const PODINIT = PODINIT_BINARY;

interface Init {
  readonly name: string;
  /** argv that runs the command appended to it */
  readonly argv: readonly string[];
}

/** The conformance suite's inits, each as it asks to be run outside PID 1 (tini with -s). */
const INITS: readonly Init[] = CONFORMANCE_INITS.map(init => ({
  name: init.name,
  argv: init.argv([], {}, "process"),
}));

function which(program: string): string {
  return execFileSync("sh", ["-c", `command -v ${program}`], { encoding: "utf8" }).trim();
}

function sleep(ms: number): Promise<void> {
  return new Promise(r => setTimeout(r, ms));
}

function fmt(value: number, digits = 2): string {
  return value.toFixed(digits);
}

/** Binary size and linkage. */
function measureBinaries(): { rows: string[]; podinitBytes: number; podinitStatic: boolean } {
  const rows = ["| binary | size (bytes) | linkage |", "| --- | ---: | --- |"];
  let podinitBytes = 0;
  let podinitStatic = false;
  for (const init of INITS) {
    const path = init.name === "podinit" ? PODINIT : which(init.argv[0] ?? "");
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
async function measureRss(
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
        await sleep(20);
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
function measureTrue(runs: number): { rows: string[]; ratio: number } {
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
      `| ${name} | ${fmt(median(times), 3)} | ${fmt(times[Math.floor(times.length * 0.9)] ?? NaN, 3)} |`,
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
function measureReaping(reps: number): { rows: string[]; podinitLag: number; tiniLag: number } {
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
      `| ${init.name} | ${fmt(median(values), 1)} | ${fmt(Math.max(...values), 1)} | ${left.get(init.name)} |`,
    );
  }
  return {
    rows,
    podinitLag: median(lags.get("podinit") ?? []),
    tiniLag: median(lags.get("tini") ?? []),
  };
}

/** SIGTERM to PID 1 running `sh -c 'sleep 1000'`: time until the whole namespace is gone. */
async function measureSigterm(reps: number): Promise<{ rows: string[]; podinitMs: number }> {
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
      `| ${init.name} | ${done.length < values.length ? "never (still running after 3 s)" : fmt(median(done), 2)} |`,
    );
  }
  const podinit = results.get("podinit") ?? [];
  const podinitMs = podinit.includes(null)
    ? Infinity
    : median(podinit.filter((v): v is number => v !== null));
  return { rows, podinitMs };
}

async function sigtermOnce(init: Init): Promise<number | null> {
  const child = spawn(
    PID_NAMESPACE[0],
    [...PID_NAMESPACE.slice(1), ...init.argv, "sh", "-c", "sleep 1000"],
    {
      stdio: "ignore",
    },
  );
  const closed = new Promise<number>(r => child.on("close", () => r(performance.now())));
  const pid1 = await findSleepingNamespace(child.pid ?? 0);
  const sent = performance.now();
  process.kill(pid1, "SIGTERM");
  const timeout = new Promise<null>(r => setTimeout(() => r(null), 3000));
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

/** The namespace's PID 1 (host pid), once `sleep` runs below it. */
async function findSleepingNamespace(unshare: number): Promise<number> {
  for (let attempt = 0; attempt < 1000; attempt++) {
    const pid1 = childrenOf(unshare)[0];
    if (pid1 !== undefined && subtreeRuns(pid1, "sleep")) return pid1;
    await sleep(5);
  }
  throw new Error("the benchmark namespace never started sleep");
}

export async function benchInit(quick: boolean): Promise<BenchSection> {
  const binaries = measureBinaries();
  const rss = await measureRss(quick ? 3 : 7);
  const trueRun = measureTrue(quick ? 100 : 300);
  const reaping = measureReaping(quick ? 2 : 5);
  const sigterm = await measureSigterm(quick ? 3 : 10);
  const checks: Check[] = [
    {
      name: "binary size, static",
      target: "≤ 1.0 MB, static",
      measured: `${(binaries.podinitBytes / 1e6).toFixed(3)} MB, ${binaries.podinitStatic ? "static" : "dynamic"}`,
      pass: binaries.podinitBytes <= 1_000_000 && binaries.podinitStatic,
    },
    {
      name: "podinit's own peak RSS",
      target: "≤ 2 MB",
      measured: `${rss.podinitKb} KB`,
      pass: rss.podinitKb <= 2048,
    },
    {
      name: "/bin/true through the init",
      target: "median ≤ 1.5 × tini-static",
      measured: `${fmt(trueRun.ratio)} ×`,
      pass: trueRun.ratio <= 1.5,
    },
    {
      name: "reap lag, 2,000 orphans",
      target: "≤ tini's + 1 ms (below that is timer noise)",
      measured: `${fmt(reaping.podinitLag, 1)} ms vs tini ${fmt(reaping.tiniLag, 1)} ms`,
      pass: reaping.podinitLag <= reaping.tiniLag + 1,
    },
    {
      name: "SIGTERM → everything gone (sh -c 'sleep 1000')",
      target: "≤ 50 ms",
      measured: `${fmt(sigterm.podinitMs)} ms`,
      pass: sigterm.podinitMs <= 50,
    },
  ];
  const markdown = [
    "### Binary",
    "",
    ...binaries.rows,
    "",
    "### Own memory while supervising `sleep`",
    "",
    ...rss.rows,
    "",
    "### Running `/bin/true` through the init (hyperfine, two passes in opposite order)",
    "",
    ...trueRun.rows,
    "",
    "### Reaping 2,000 orphans that exit at the same instant (init is PID 1; `bench/reap_storm.py`)",
    "",
    ...reaping.rows,
    "",
    "### SIGTERM to PID 1 running `sh -c 'sleep 1000'`",
    "",
    ...sigterm.rows,
    "",
  ].join("\n");
  return { title: "podinit (the PID-1 binary)", markdown, checks };
}
