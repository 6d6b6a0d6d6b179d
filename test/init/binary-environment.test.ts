// The podinit binary in the surroundings Kubernetes gives it: Service variables, a closed log pipe.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  runPodinit,
  useBinaryWorkspace,
  waitFor,
  waitForFile,
} from "../support/podinit-process.js";

const { file, start } = useBinaryWorkspace("environment");

/** Execs its arguments with stderr on a pipe nobody reads any more (a log collector that went away). */
const CLOSED_STDERR = [
  "python3",
  "-c",
  [
    "import os, signal, sys",
    // Python ignores SIGPIPE for itself; podinit must start with the default disposition.
    "signal.signal(signal.SIGPIPE, signal.SIG_DFL)",
    "r, w = os.pipe()",
    "os.close(r)",
    "os.dup2(w, 2)",
    "os.execvp(sys.argv[1], sys.argv[1:])",
  ].join("\n"),
];

describe("podinit binary: environment", () => {
  it("starts normally next to the variables of Services named podinit, and warns about unknown PODINIT_* ones", async () => {
    const done = await runPodinit(["--", "sh", "-c", "exit 5"], {
      env: {
        PODINIT_SERVICE_HOST: "10.96.0.10",
        PODINIT_PORT_443_TCP_ADDR: "10.96.0.10",
        PODINIT_WEBHOOK_SERVICE_PORT: "443",
        PODINIT_GRACEPERIOD: "5s",
      },
    });
    expect(done.code).toBe(5);
    const warnings = done.stderr.split("\n").filter(line => line.includes("unknown environment"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("PODINIT_GRACEPERIOD");
  });

  it("does not pass its own SIGPIPE (a log line to a closed stderr) on to the app", async () => {
    const marks = file("marks");
    const script = [
      // The shell reports a child killed by a signal on stderr: that SIGPIPE would be its own.
      "exec 2>/dev/null",
      `trap 'echo PIPE >> ${marks}' PIPE`,
      `trap 'echo USR1 >> ${marks}' USR1`,
      `trap 'echo ALRM >> ${marks}' ALRM`,
      "trap 'exit 0' TERM",
      `echo ready > ${marks}.tmp && mv ${marks}.tmp ${marks}`,
      "while :; do sleep 0.05; done",
    ].join("; ");
    const run = await start(["--log-level=debug", "--", "sh", "-c", script], {
      namespace: false,
      via: CLOSED_STDERR,
    });
    await waitForFile(marks);
    const seen = (mark: string) => () => readFileSync(marks, "utf8").split("\n").includes(mark);
    // podinit logs each forward, so USR1 makes it write to the dead pipe and get SIGPIPE.
    run.signal("SIGUSR1");
    await waitFor(seen("USR1"), "the app to get SIGUSR1");
    // sigtimedwait hands out lower numbers first: a forwarded PIPE (13) would reach the app before ALRM (14).
    run.signal("SIGALRM");
    await waitFor(seen("ALRM"), "the app to get SIGALRM");
    run.signal("SIGTERM");
    expect((await run.finished).code).toBe(0);
    expect(readFileSync(marks, "utf8").split("\n")).toEqual(["ready", "USR1", "ALRM", ""]);
  });
});
