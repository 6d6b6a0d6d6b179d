import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  descendants,
  makeTempDir,
  requirePodinit,
  runPodinit,
  startPodinit,
  waitFor,
  waitForFile,
  type RunningPodinit,
} from "../helpers/podinit-process.js";

const dir = makeTempDir("shutdown");
const started: RunningPodinit[] = [];
beforeAll(requirePodinit);
afterEach(() => {
  for (const run of started.splice(0))
    if (run.process.exitCode === null) run.process.kill("SIGKILL");
});
afterAll(() => dir.remove());

let counter = 0;
function paths(): { marker: string; ready: string } {
  counter++;
  return { marker: join(dir.path, `marker-${counter}`), ready: join(dir.path, `ready-${counter}`) };
}

async function start(args: string[], namespace = true): Promise<RunningPodinit> {
  const run = await startPodinit(args, { namespace });
  started.push(run);
  return run;
}

/** A server that needs time to shut down after SIGTERM, like redis-server saving its data. */
function slowServer(marker: string, seconds = 0.5): string {
  return `sh -c 'trap "sleep ${seconds}; echo saved > ${marker}; exit 0" TERM; while :; do sleep 0.05; done'`;
}

describe("podinit binary: stopping the whole container", () => {
  it.each([true, false])(
    "waits for a server that the wrapper shell started, after the shell itself died (PID 1: %s)",
    async namespace => {
      const { marker, ready } = paths();
      // `sh -c 'server & wait'`: the shell dies on SIGTERM at once, the server needs half a second.
      const run = await start(
        ["--", "sh", "-c", `${slowServer(marker)} & echo > ${ready}; wait`],
        namespace,
      );
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
      `setsid ${slowServer(marker, 0.2)} & echo > ${ready}; exec sleep 1000`,
    ]);
    await waitForFile(ready);
    await waitFor(() => descendants(run.pid).length >= 3, "the daemon to start");
    run.signal("SIGTERM");
    const result = await run.finished;
    expect(readFileSync(marker, "utf8")).toBe("saved\n");
    expect(result.code).toBe(143);
  });

  it("kills whatever ignores SIGTERM when --grace-period runs out, saying how many, and exits 137", async () => {
    const { ready } = paths();
    const stubborn = `sh -c 'trap "" TERM; while :; do sleep 0.05; done'`;
    const run = await start([
      "--grace-period=1s",
      "--",
      "sh",
      "-c",
      `trap "" TERM; ${stubborn} & echo > ${ready}; while :; do sleep 0.05; done`,
    ]);
    await waitForFile(ready);
    run.signal("SIGTERM");
    const result = await run.finished;
    expect(result.code).toBe(137);
    expect(result.stderr).toMatch(
      /^podinit: grace period of 1s expired: killing [2-4] remaining process\(es\) with SIGKILL$/m,
    );
  });

  it("keeps the main child's own exit code when it exits in time but a straggler must be killed", async () => {
    const { ready } = paths();
    const stubborn = `sh -c 'trap "" TERM; while :; do sleep 0.05; done'`;
    const run = await start([
      "--grace-period=1s",
      "--",
      "sh",
      "-c",
      `trap "exit 5" TERM; ${stubborn} & echo > ${ready}; while :; do sleep 0.05; done`,
    ]);
    await waitForFile(ready);
    run.signal("SIGTERM");
    const result = await run.finished;
    expect(result.code).toBe(5);
    expect(result.stderr).toContain("grace period of 1s expired: killing");
  });

  it("stops leftovers when the main child exits on its own: SIGTERM first, so they can finish", async () => {
    const { marker, ready } = paths();
    const server = `sh -c 'trap "sleep 0.5; echo saved > ${marker}; exit 0" TERM; echo > ${ready}; while :; do sleep 0.05; done'`;
    const result = await runPodinit([
      "--",
      "sh",
      "-c",
      `${server} & while [ ! -f ${ready} ]; do sleep 0.01; done; exit 3`,
    ]);
    expect(readFileSync(marker, "utf8")).toBe("saved\n");
    expect(result.code).toBe(3);
  });

  it("kills leftovers that ignore SIGTERM after --cleanup-timeout, and keeps the main child's code", async () => {
    const stubborn = `sh -c 'trap "" TERM; while :; do sleep 0.05; done'`;
    const run = await start([
      "--cleanup-timeout=500ms",
      "--",
      "sh",
      "-c",
      `${stubborn} & sleep 0.2; exit 4`,
    ]);
    const result = await run.finished;
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(
      /cleanup timeout of 500ms expired: killing [12] remaining process\(es\) with SIGKILL/,
    );
  });

  it("as a subreaper, kills leftovers that left the process group too", async () => {
    const stubborn = `setsid sh -c 'trap "" TERM; while :; do sleep 0.05; done'`;
    const run = await start(
      ["--cleanup-timeout=300ms", "--", "sh", "-c", `${stubborn} & sleep 0.2; exit 0`],
      false,
    );
    const result = await run.finished;
    expect(result.code).toBe(0);
    expect(descendants(run.pid)).toEqual([]);
  });
});
