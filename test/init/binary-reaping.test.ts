import { readdirSync, readlinkSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  descendants,
  processTable,
  startTracked,
  useBinaryWorkspace,
  waitFor,
  zombiesBelow,
} from "../support/podinit-process.js";

const workspace = useBinaryWorkspace("reaping");

/**
 * A main process that never reaps anything: it makes `count` orphans (each subshell exits at once,
 * so its `cat` is re-parented to the init). When the test creates `go` it opens the FIFO for
 * writing, which lets every cat open it; when the test creates `release` it closes it, so every
 * cat reads end-of-file and exits at once; then it execs a `sleep` that never calls wait().
 */
function orphanStorm(count: number): { script: string; go: string; release: string; fifo: string } {
  const fifo = workspace.file("fifo");
  const go = workspace.file("go");
  const release = workspace.file("release");
  const script = [
    `mkfifo ${fifo}`,
    `i=0; while [ $i -lt ${count} ]; do (cat ${fifo} > /dev/null &); i=$((i+1)); done`,
    `while [ ! -f ${go} ]; do sleep 0.05; done`,
    `exec 3> ${fifo}`,
    `while [ ! -f ${release} ]; do sleep 0.05; done`,
    "exec 3>&-",
    "exec sleep 1000",
  ].join("; ");
  return { script, go, release, fifo };
}

/**
 * Cats below `init` that have the FIFO open. A cat still starting when the writer closed the FIFO
 * would open it afterwards and wait for a writer for ever: the storm is released only once every
 * cat holds it (a slow, loaded machine made that race fail the test).
 */
function catsHolding(init: number, fifo: string): number {
  return descendants(init).filter(p => {
    if (p.comm !== "cat") return false;
    try {
      return readdirSync(`/proc/${p.pid}/fd`).some(fd => {
        try {
          return readlinkSync(`/proc/${p.pid}/fd/${fd}`) === fifo;
        } catch {
          return false;
        }
      });
    } catch {
      return false;
    }
  }).length;
}

function adoptedCats(init: number): number {
  return processTable().filter(p => p.ppid === init && p.comm === "cat").length;
}

function catsBelow(init: number): number {
  return descendants(init).filter(p => p.comm === "cat").length;
}

async function expectStormReaped(count: number, namespace: boolean): Promise<void> {
  const { script, go, release, fifo } = orphanStorm(count);
  const run = await workspace.start(["--", "sh", "-c", script], { namespace });
  await waitFor(
    () => adoptedCats(run.pid) === count,
    `${count} orphans adopted by podinit`,
    60_000,
  );
  writeFileSync(go, "");
  await waitFor(() => catsHolding(run.pid, fifo) === count, `${count} orphans reading`, 60_000);
  writeFileSync(release, "");
  await waitFor(() => catsBelow(run.pid) === 0, "every orphan to exit and be reaped", 20_000);
  expect(zombiesBelow(run.pid)).toEqual([]);
  run.signal("SIGTERM");
  expect((await run.finished).code).toBe(143);
}

describe("podinit binary: zombie reaping", () => {
  it(
    "reaps 100 orphaned zombies as PID 1 of its namespace",
    () => expectStormReaped(100, true),
    60_000,
  );

  it(
    "reaps 100 orphaned zombies as a child subreaper when it is not PID 1",
    () => expectStormReaped(100, false),
    60_000,
  );

  it(
    "leaves no zombie when the child forks 2,000 short-lived orphans",
    () => expectStormReaped(2000, true),
    120_000,
  );

  it("control: under a PID 1 that never reaps, the same orphans stay zombies", async () => {
    const { script, go, release } = orphanStorm(20);
    const unshare = startTracked([
      "unshare",
      "--pid",
      "--fork",
      "--mount-proc",
      "--kill-child",
      "sh",
      "-c",
      script,
    ]).process.pid;
    const init = await waitFor(
      () => processTable().find(p => p.ppid === unshare)?.pid,
      "the namespace's PID 1",
    );
    await waitFor(() => adoptedCats(init) === 20, "20 orphans adopted by the shell", 30_000);
    writeFileSync(go, "");
    writeFileSync(release, "");
    await waitFor(() => zombiesBelow(init).length >= 10, "zombies under a PID 1 that never reaps");
  }, 60_000);
});
