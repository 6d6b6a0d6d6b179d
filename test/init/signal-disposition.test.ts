import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { dispositionIn } from "../../init/src/signal-disposition.js";
import { startTracked, waitFor } from "../support/podinit-process.js";

describe("a signal's disposition, read from /proc/<pid>/status", () => {
  it("tells a handler from an ignored signal and a default, on a real process", async () => {
    // dash installs a handler for a trap with a command and ignores the signal for an empty one.
    const shell = startTracked([
      "sh",
      "-c",
      "trap '' TSTP; trap 'echo' USR1; echo ready; sleep 1000",
    ]);
    await waitFor(() => shell.stdout().includes("ready"), "the traps to be set");
    const status = readFileSync(`/proc/${shell.process.pid}/status`, "utf8");
    expect([20, 10, 15, 64].map(signal => dispositionIn(status, signal))).toEqual([
      "ignored",
      "caught",
      "default",
      "default",
    ]);
  });

  it("reads signals above 32 from the upper half of the mask, and nothing without the lines", () => {
    const status = "SigIgn:\t0000000000000000\nSigCgt:\t8000000100000000\n";
    expect(dispositionIn(status, 64)).toBe("caught");
    expect(dispositionIn(status, 33)).toBe("caught");
    expect(dispositionIn(status, 32)).toBe("default");
    expect(dispositionIn("Name:\tsh\n", 20)).toBeNull();
  });
});
