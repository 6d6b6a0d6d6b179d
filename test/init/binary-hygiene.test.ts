import { spawn } from "node:child_process";
import { readFileSync, readlinkSync } from "node:fs";
import { onTerminal } from "../conformance/harness.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  cwdOf,
  fdsOf,
  makeTempDir,
  PODINIT,
  requirePodinit,
  runPodinit,
  startPodinit,
  waitFor,
} from "../support/podinit-process.js";
import { parseProcStat } from "../../init/src/proc-stat.js";

const dir = makeTempDir("hygiene");
beforeAll(requirePodinit);
afterAll(() => dir.remove());

/** Execs its arguments with USR2 and TTIN blocked, HUP and TTOU ignored, and /dev/null open as fd 7. */
const WRAPPER = [
  "python3",
  "-c",
  [
    "import os, signal, sys",
    "signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR2, signal.SIGTTIN})",
    "signal.signal(signal.SIGHUP, signal.SIG_IGN)",
    "signal.signal(signal.SIGTTOU, signal.SIG_IGN)",
    "fd = os.open('/dev/null', os.O_RDONLY)",
    "os.dup2(fd, 7)",
    "os.execvp(sys.argv[1], sys.argv[1:])",
  ].join("\n"),
];

/** Reporters that podinit execs directly: a shell in between would reset the signal mask. */
const REPORTS: readonly (readonly string[])[] = [
  ["grep", "-E", "^Sig(Blk|Ign)", "/proc/self/status"],
  ["/bin/pwd"],
  ["ls", "/proc/self/fd"],
];

function runWrapped(argv: readonly string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(WRAPPER[0] ?? "", [...WRAPPER.slice(1), ...argv], {
      cwd,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.on("error", reject);
    child.on("close", () => resolve(out));
  });
}

describe("podinit binary: the child starts as if podinit were not there", () => {
  it.each(REPORTS.map(r => [r.join(" "), r] as const))(
    "%s reports the same with and without podinit (mask, ignored signals, cwd, descriptors)",
    async (_name, report) => {
      const direct = await runWrapped(report, dir.path);
      const underPodinit = await runWrapped([PODINIT, "--", ...report], dir.path);
      expect(underPodinit).toBe(direct);
    },
  );

  it("the wrapper's changes are really there, so the comparison means something", async () => {
    const status = await runWrapped(REPORTS[0] ?? [], dir.path);
    expect(status).toMatch(/^SigBlk:\s+0*[1-9a-f][0-9a-f]*$/m);
    expect(status).toMatch(/^SigIgn:\s+0*[1-9a-f][0-9a-f]*$/m);
    expect(await runWrapped(["/bin/pwd"], dir.path)).toBe(`${dir.path}\n`);
    expect((await runWrapped(["ls", "/proc/self/fd"], dir.path)).split("\n")).toContain("7");
  });

  it("while podinit itself moves to / and keeps no inherited descriptor", async () => {
    const run = await startPodinit(["--", "sleep", "1000"], {
      namespace: false,
      via: WRAPPER,
      cwd: dir.path,
    });
    try {
      const child = await waitFor(() => {
        const children = readFileSync(`/proc/${run.pid}/task/${run.pid}/children`, "utf8").trim();
        return children === "" ? undefined : Number(children);
      }, "podinit's child");
      // podinit lets go only once exec succeeded; until then it is expected to hold both.
      const released = () => cwdOf(run.pid) === "/" && fdsOf(run.pid).join() === "0,1,2";
      await waitFor(released, "podinit to move to / and close its inherited descriptors").catch(
        () => undefined,
      );
      expect(cwdOf(run.pid)).toBe("/");
      expect(fdsOf(run.pid)).toEqual([0, 1, 2]);
      await waitFor(() => readlinkSync(`/proc/${child}/exe`).endsWith("/sleep"), "the exec");
      expect(cwdOf(child)).toBe(dir.path);
      expect(fdsOf(child)).toContain(7);
    } finally {
      run.signal("SIGKILL");
    }
  });
});

describe("podinit binary: terminals", () => {
  /** The job-control fields of a `STAT <label> <contents of /proc/PID/stat>` line. */
  function statOf(output: string, label: string) {
    const stat = parseProcStat(new RegExp(`STAT ${label} (.*)`).exec(output)?.[1] ?? "");
    if (stat === null) throw new Error(`no /proc stat line for ${label} in: ${output}`);
    return {
      pid: stat.pid,
      pgrp: stat.pgid,
      session: stat.session,
      ttyNr: stat.ttyNr,
      tpgid: stat.tpgid,
    };
  }

  const REPORT_CHILD = `sh -c 'echo STAT child $(cat /proc/$$/stat)'`;

  it("as a session leader, gives the child a session of its own with the terminal, in the foreground", async () => {
    const { output } = await onTerminal(`exec ${PODINIT} -- ${REPORT_CHILD}`);
    const child = statOf(output, "child");
    expect(child.session).toBe(child.pid);
    expect(child.pgrp).toBe(child.pid);
    expect(child.ttyNr).not.toBe(0);
    expect(child.tpgid).toBe(child.pgrp);
  });

  it("started from a shell, makes the child the terminal's foreground group, then hands the terminal back", async () => {
    const { output } = await onTerminal(
      `echo STAT shell $(cat /proc/$$/stat); ${PODINIT} -- ${REPORT_CHILD}; echo STAT after $(cat /proc/$$/stat)`,
    );
    const shell = statOf(output, "shell");
    const child = statOf(output, "child");
    expect(child.session).toBe(shell.session);
    expect(child.pgrp).toBe(child.pid);
    expect(child.ttyNr).toBe(shell.ttyNr);
    expect(child.ttyNr).not.toBe(0);
    expect(child.tpgid).toBe(child.pgrp);
    expect(statOf(output, "after").tpgid).toBe(shell.pgrp);
  });

  it.each([
    ["as a session leader", "exec "],
    ["started from a shell", ""],
  ])("lets Ctrl-C interrupt the app, which exits 130 (%s)", async (_, prefix) => {
    const { code, output } = await onTerminal(
      `${prefix}${PODINIT} -- sh -c 'trap "echo got-INT; exit 130" INT; echo READY; while :; do sleep 0.05; done'`,
      [{ after: "READY", type: "\x03" }],
    );
    expect(output).toContain("got-INT");
    expect(code).toBe(130);
  });

  it("stays out of the way of a pipe that is not a terminal", async () => {
    expect((await runPodinit(["--", "sh", "-c", "test -t 0 && exit 1; exit 0"])).code).toBe(0);
  });
});
