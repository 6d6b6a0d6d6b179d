import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  descendants,
  readProcess,
  shellReady,
  useBinaryWorkspace,
  waitFor,
  waitForFile,
  waitForStderr,
} from "../support/podinit-process.js";

const workspace = useBinaryWorkspace("signals");

function files(): { log: string; ready: string; bgReady: string } {
  return {
    log: workspace.file("log"),
    ready: workspace.file("ready"),
    bgReady: workspace.file("bg-ready"),
  };
}

function lines(path: string): string[] {
  try {
    return readFileSync(path, "utf8").trim().split("\n").filter(Boolean);
  } catch {
    return [];
  }
}

/**
 * A shell that records every trapped signal, by name and by who it is, into a log file. It creates
 * `ready` once all its traps are in place: a signal sent earlier could kill it instead.
 */
function recorder(who: string, log: string, signals: readonly string[], ready: string): string {
  const traps = signals.map(s => `trap 'echo ${who}-${s} >> ${log}' ${s}`).join("; ");
  return `${traps}; ${shellReady(ready)}; while :; do sleep 0.05; done`;
}

const start = workspace.start;

describe("podinit binary: signal forwarding", () => {
  it("sends signals to the whole process group by default", async () => {
    const { log, ready, bgReady } = files();
    const script = `(${recorder("bg", log, ["USR1"], bgReady)}) & ${recorder("main", log, ["USR1"], ready)}`;
    const run = await start(["--", "sh", "-c", script]);
    await waitForFile(bgReady);
    await waitForFile(ready);
    run.signal("SIGUSR1");
    await waitFor(() => lines(log).length === 2, "both processes to record USR1");
    expect(lines(log).sort()).toEqual(["bg-USR1", "main-USR1"]);
  });

  it("sends signals to the child alone with --forward=child", async () => {
    const { log, ready, bgReady } = files();
    const bg = `(${recorder("bg", log, ["USR1", "TERM"], bgReady)}) &`;
    const script = `${bg} trap 'echo main-USR1 >> ${log}' USR1; trap 'exit 0' TERM; ${shellReady(ready)}; while :; do sleep 0.05; done`;
    const run = await start(["--forward=child", "--cleanup-timeout=10s", "--", "sh", "-c", script]);
    await waitForFile(bgReady);
    await waitForFile(ready);
    run.signal("SIGUSR1");
    await waitFor(() => lines(log).includes("main-USR1"), "main-USR1");
    // The stop request reaches the main process only; the worker hears of it when the main process is gone.
    run.signal("SIGTERM");
    await waitFor(() => lines(log).includes("bg-TERM"), "bg-TERM");
    expect(lines(log)).toEqual(["main-USR1", "bg-TERM"]);
  });

  it("a shell that traps SIGTERM while it waits for a foreground child exits promptly (group delivery)", async () => {
    const { ready } = files();
    const run = await start([
      "--",
      "sh",
      "-c",
      `trap 'exit 0' TERM; ${shellReady(ready)}; sleep 1000; exit 1`,
    ]);
    await waitForFile(ready);
    run.signal("SIGTERM");
    expect((await run.finished).code).toBe(0);
  });

  it("rewrites the stop signal with --stop-signal (SIGTERM arrives as SIGQUIT)", async () => {
    const { log, ready } = files();
    const script = `trap 'echo got-QUIT >> ${log}; exit 0' QUIT; trap 'echo got-TERM >> ${log}; exit 1' TERM; ${shellReady(ready)}; while :; do sleep 0.05; done`;
    const run = await start(["--stop-signal=QUIT", "--", "sh", "-c", script]);
    await waitForFile(ready);
    run.signal("SIGTERM");
    expect((await run.finished).code).toBe(0);
    expect(lines(log)).toEqual(["got-QUIT"]);
  });

  it("holds the first stop request back for --stop-delay, and forwards a second one at once", async () => {
    const { log, ready } = files();
    const script = `trap 'echo got-TERM >> ${log}; exit 0' TERM; ${shellReady(ready)}; while :; do sleep 0.05; done`;
    const run = await start(["-v", "--stop-delay=60s", "--", "sh", "-c", script]);
    await waitForFile(ready);
    run.signal("SIGTERM");
    // Until podinit has taken the first SIGTERM, a second one would merge with it while pending.
    await waitForStderr(run, /^podinit: holding SIGTERM back for .+$/m);
    expect(lines(log)).toEqual([]);
    run.signal("SIGTERM");
    expect((await run.finished).code).toBe(0);
    expect(lines(log)).toEqual(["got-TERM"]);
    expect(run.stderr()).toMatch(/holding SIGTERM back[^]*second stop request: forwarding at once/);
  });

  it("survives a storm of 10,000 signals and still acts on the SIGTERM that follows", async () => {
    const { log, ready } = files();
    const script = `trap 'echo got-TERM >> ${log}; exit 0' TERM; trap ':' USR1 USR2 WINCH; ${shellReady(ready)}; while :; do sleep 0.05; done`;
    const run = await start(["--", "sh", "-c", script]);
    await waitForFile(ready);
    const storm: NodeJS.Signals[] = ["SIGUSR1", "SIGUSR2", "SIGWINCH"];
    for (let i = 0; i < 10_000; i++) run.signal(storm[i % storm.length] ?? "SIGUSR1");
    run.signal("SIGTERM");
    const result = await run.finished;
    expect(result.code).toBe(0);
    expect(lines(log)).toEqual(["got-TERM"]);
  }, 60_000);
});

describe("podinit binary: job control under --forward=child", () => {
  it("hands SIGTSTP itself to an app with a handler for it, which runs it and keeps running", async () => {
    const { log, ready } = files();
    const run = await start([
      "--forward=child",
      "--",
      "sh",
      "-c",
      recorder("main", log, ["TSTP", "USR1"], ready),
    ]);
    await waitForFile(ready);
    run.signal("SIGTSTP");
    await waitFor(() => lines(log).includes("main-TSTP"), "main-TSTP");
    // Not stopped: a signal sent afterwards is handled too.
    run.signal("SIGUSR1");
    await waitFor(() => lines(log).includes("main-USR1"), "main-USR1");
    expect(lines(log)).toEqual(["main-TSTP", "main-USR1"]);
  });

  it("stops an app that takes the default action (its orphaned group would ignore SIGTSTP)", async () => {
    const run = await start(["--forward=child", "--", "sleep", "1000"]);
    const app = await waitFor(
      () => descendants(run.pid).find(p => p.comm === "sleep"),
      "sleep to start",
    );
    run.signal("SIGTSTP");
    await waitFor(() => readProcess(app.pid)?.state === "T", "sleep to stop");
  });
});
