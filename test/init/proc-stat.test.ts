// /proc/<pid>/stat lines as the kernel writes them, including command names that look like the line's own punctuation.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseProcStat } from "../../init/src/proc-stat.js";

describe("parseProcStat", () => {
  it("reads this very process's line as the kernel wrote it", () => {
    const stat = parseProcStat(readFileSync("/proc/self/stat", "utf8"));
    expect(stat).toMatchObject({ pid: process.pid, ppid: process.ppid, state: "R" });
    expect(stat?.startTicks).toBeGreaterThan(0);
  });

  it("keeps a command name with spaces and parentheses whole, and the fields after it in place", () => {
    const line =
      "4242 (a) Z (b)) S 1 4242 4242 34816 4242 4194560 10 0 0 0 7 3 0 0 20 0 1 0 999 0 0";
    expect(parseProcStat(line)).toEqual({
      pid: 4242,
      comm: "a) Z (b)",
      state: "S",
      ppid: 1,
      pgid: 4242,
      session: 4242,
      ttyNr: 34816,
      tpgid: 4242,
      flags: 4194560,
      cpuTicks: 10,
      startTicks: 999,
    });
  });

  it("gives null for an empty read (the process went while it was read)", () => {
    expect(parseProcStat("")).toBeNull();
  });
});
