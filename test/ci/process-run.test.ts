// The harness's runProcess: a hung tool's timeout ends the wait and leaves none of its processes behind.

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";

import { runProcess } from "../support/e2e/process-run.js";
import { readProcess } from "../support/process-table.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("runProcess timeout", () => {
  it("ends the wait and kills the script's children, which hold its output open", async () => {
    const dir = mkdtempSync(join(tmpdir(), "podinit-process-run-"));
    dirs.push(dir);
    const pids = join(dir, "pids");
    // bash waiting on background children that inherited its stdout: the cluster build's shape
    // (bash running `go build`, which runs the compiler).
    const script = `sleep 1000 & echo $! >> ${pids}; (sleep 1000 & echo $! >> ${pids}; wait) & wait`;
    // Time enough for bash to start both children on a loaded machine (the whole suite runs).
    const run = runProcess("bash", ["-c", script], { timeoutMs: 2_000 });

    await expect(run).rejects.toMatchObject({ code: "ERR_TIMEOUT" });
    const children = readFileSync(pids, "utf8").trim().split("\n").map(Number);
    expect(children).toHaveLength(2);
    for (const pid of children) expect(readProcess(pid)?.state ?? "gone").toMatch(/^(gone|Z)$/);
  });
});
