import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
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
} from "../helpers/podinit-process.js";

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
      expect(cwdOf(run.pid)).toBe("/");
      expect(fdsOf(run.pid)).toEqual([0, 1, 2]);
      expect(cwdOf(child)).toBe(dir.path);
      expect(fdsOf(child)).toContain(7);
    } finally {
      run.signal("SIGKILL");
    }
  });
});

describe("podinit binary: terminals", () => {
  /** Runs podinit on a fresh pseudo-terminal (util-linux `script`), typing `input` once `waitFor` is printed. */
  function onTerminal(
    args: string,
    typeAfter: string,
    input: string,
  ): Promise<{ code: number | null; output: string }> {
    return new Promise(resolve => {
      const child = spawn("script", ["-qfec", `${PODINIT} ${args}`, "/dev/null"], {
        stdio: ["pipe", "pipe", "inherit"],
      });
      let output = "";
      let typed = false;
      child.stdout.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        if (!typed && output.includes(typeAfter)) {
          typed = true;
          child.stdin.write(input);
        }
      });
      child.on("close", code => resolve({ code, output }));
    });
  }

  it("gives the child the terminal as its controlling tty, in the foreground", async () => {
    const { output } = await onTerminal(
      `-- sh -c 'echo STAT $(cat /proc/$$/stat); echo PID $$'`,
      "never",
      "",
    );
    const stat = /STAT (.*)/.exec(output)?.[1] ?? "";
    const pid = Number(/PID (\d+)/.exec(output)?.[1]);
    const [, , pgrp, session, ttyNr, tpgid] = stat
      .slice(stat.lastIndexOf(")") + 2)
      .split(" ")
      .map(Number);
    expect(session).toBe(pid);
    expect(pgrp).toBe(pid);
    expect(ttyNr).not.toBe(0);
    expect(tpgid).toBe(pgrp);
  });

  it("lets Ctrl-C interrupt the app, which exits 130", async () => {
    const { code, output } = await onTerminal(
      `-- sh -c 'trap "echo got-INT; exit 130" INT; echo READY; while :; do sleep 0.05; done'`,
      "READY",
      "\x03",
    );
    expect(output).toContain("got-INT");
    expect(code).toBe(130);
  });

  it("stays out of the way of a pipe that is not a terminal", async () => {
    expect((await runPodinit(["--", "sh", "-c", "test -t 0 && exit 1; exit 0"])).code).toBe(0);
  });
});
