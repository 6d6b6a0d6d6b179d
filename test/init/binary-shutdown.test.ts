import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  killLeftovers,
  processTable,
  runPodinit,
  shellReady,
  useBinaryWorkspace,
  waitFor,
  waitForFile,
  type RunningPodinit,
} from "../support/podinit-process.js";

const workspace = useBinaryWorkspace("shutdown");

function paths(): { marker: string; ready: string } {
  return { marker: workspace.file("marker"), ready: workspace.file("ready") };
}

function start(args: string[], namespace = true): Promise<RunningPodinit> {
  return workspace.start(args, { namespace });
}

/**
 * A server that needs time to shut down after SIGTERM, like redis-server saving its data. It
 * creates `ready` only once its handler is in place, so the test never signals it too early.
 */
function slowServer(marker: string, ready: string, seconds = 0.5): string {
  return `sh -c 'trap "sleep ${seconds}; echo saved > ${marker}; exit 0" TERM; ${shellReady(ready)}; while :; do sleep 0.05; done'`;
}

/** A process that ignores SIGTERM, announcing itself (with its pid) through `ready` once it does. */
function stubborn(ready: string): string {
  return `sh -c 'trap "" TERM; ${shellReady(ready)}; while :; do sleep 0.05; done'`;
}

/** Shell code that waits for a file to appear. */
function awaitFile(path: string): string {
  return `while [ ! -f ${path} ]; do sleep 0.01; done`;
}

describe("podinit binary: stopping the whole container", () => {
  it.each([true, false])(
    "waits for a server that the wrapper shell started, after the shell itself died (PID 1: %s)",
    async namespace => {
      const { marker, ready } = paths();
      // `sh -c 'server & wait'`: the shell dies on SIGTERM at once, the server needs half a second.
      const run = await start(["--", "sh", "-c", `${slowServer(marker, ready)} & wait`], namespace);
      await waitForFile(ready);
      run.signal("SIGTERM");
      const result = await run.finished;
      expect(existsSync(marker)).toBe(true);
      expect(result.code).toBe(143);
    },
  );

  it("reaches a daemon that left the process group (setsid) when it is PID 1", async () => {
    const { marker, ready } = paths();
    const run = await start([
      "--",
      "sh",
      "-c",
      `setsid ${slowServer(marker, ready, 0.2)} & exec sleep 1000`,
    ]);
    await waitForFile(ready);
    run.signal("SIGTERM");
    const result = await run.finished;
    expect(readFileSync(marker, "utf8")).toBe("saved\n");
    expect(result.code).toBe(143);
  });

  it("kills whatever ignores SIGTERM when --grace-period runs out, saying how many, and exits 137", async () => {
    const { ready } = paths();
    const script = `trap "" TERM; ${stubborn(ready)} & while :; do sleep 0.05; done`;
    const run = await start(["--grace-period=1s", "--", "sh", "-c", script]);
    await waitForFile(ready);
    run.signal("SIGTERM");
    const result = await run.finished;
    expect(result.code).toBe(137);
    // Two shells, and each one's `sleep 0.05` when the instant catches it running.
    expect(result.stderr).toMatch(
      /^podinit: grace period of 1s expired: killing [2-4] remaining process\(es\) with SIGKILL$/m,
    );
  });

  it("keeps the main child's own exit code when it exits in time but a straggler must be killed", async () => {
    const { ready } = paths();
    const script = `trap "exit 5" TERM; ${stubborn(ready)} & while :; do sleep 0.05; done`;
    const run = await start(["--grace-period=1s", "--", "sh", "-c", script]);
    await waitForFile(ready);
    run.signal("SIGTERM");
    const result = await run.finished;
    expect(result.code).toBe(5);
    expect(result.stderr).toMatch(/grace period of 1s expired: killing [12] remaining process/);
  });

  it("stops leftovers when the main child exits on its own: SIGTERM first, so they can finish", async () => {
    const { marker, ready } = paths();
    const script = `${slowServer(marker, ready)} & ${awaitFile(ready)}; exit 3`;
    const result = await runPodinit(["--", "sh", "-c", script]);
    expect(readFileSync(marker, "utf8")).toBe("saved\n");
    expect(result.code).toBe(3);
  });

  it("kills leftovers that ignore SIGTERM after --cleanup-timeout, and keeps the main child's code", async () => {
    const { ready } = paths();
    const script = `${stubborn(ready)} & ${awaitFile(ready)}; exit 4`;
    const result = await runPodinit(["--cleanup-timeout=500ms", "--", "sh", "-c", script]);
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(
      /cleanup timeout of 500ms expired: killing [12] remaining process\(es\) with SIGKILL/,
    );
  });

  it.each([true, false])(
    "kills leftovers that left the process group too, so none outlives podinit (PID 1: %s)",
    async namespace => {
      const { ready } = paths();
      // The daemon's ready file holds its pid, so the test can check that exactly that process is gone.
      const daemon = `setsid ${stubborn(ready)}`;
      const result = await runPodinit(
        ["--cleanup-timeout=300ms", "--", "sh", "-c", `${daemon} & ${awaitFile(ready)}; exit 0`],
        { namespace },
      );
      expect(result.code).toBe(0);
      expect(result.stderr).toMatch(/cleanup timeout of 300ms expired: killing [12] remaining/);
      if (!namespace) {
        const daemonPid = Number(readFileSync(ready, "utf8"));
        expect(existsSync(`/proc/${daemonPid}`)).toBe(false);
      }
    },
  );
});

describe("test harness: nothing a test starts outlives it", () => {
  const parentOf = (pid: number) =>
    processTable().find(p => p.pid === pid && p.state !== "Z")?.ppid;

  it("kills a daemon that a SIGKILLed podinit (not PID 1) left behind, re-parented to the host", async () => {
    const { ready } = paths();
    const daemon = `setsid ${stubborn(ready)}`;
    // The main shell exits so podinit adopts the daemon; the long cleanup timeout keeps it waiting.
    const run = await start(
      ["--cleanup-timeout=10m", "--", "sh", "-c", `${daemon} & ${awaitFile(ready)}; exit 0`],
      false,
    );
    const daemonPid = Number(await waitForFile(ready));
    await waitFor(() => parentOf(daemonPid) === run.pid, "podinit to adopt the daemon");
    // What a crashed or timed-out test leaves: no parent link leads from anything tracked to it.
    run.signal("SIGKILL");
    await waitFor(() => parentOf(daemonPid) !== run.pid, "the daemon to be re-parented");
    expect(parentOf(daemonPid)).toBeDefined();
    await killLeftovers();
    expect(parentOf(daemonPid)).toBeUndefined();
  });
});
