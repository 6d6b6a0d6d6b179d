import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  PODINIT,
  runPodinit,
  startPodinit,
  taggedEnv,
  useBinaryWorkspace,
  waitFor,
} from "../support/podinit-process.js";

const { dir } = useBinaryWorkspace("basics");

describe("podinit binary: build", () => {
  it("is one static executable", () => {
    const description = execFileSync("file", ["-b", PODINIT], { encoding: "utf8" });
    expect(description).toMatch(/statically linked/);
    expect(description).not.toMatch(/interpreter/);
  });
});

describe("podinit binary: exit codes", () => {
  it("remaps an exit code with --remap-exit, and only that one", async () => {
    expect(
      (await runPodinit(["--remap-exit=143:0", "--", "sh", "-c", "kill -TERM $$; sleep 5"])).code,
    ).toBe(0);
    expect((await runPodinit(["--remap-exit=143:0", "--", "sh", "-c", "exit 3"])).code).toBe(3);
    expect(
      (await runPodinit(["--", "sh", "-c", "exit 7"], { env: { PODINIT_REMAP_EXIT: "7:9,3:4" } }))
        .code,
    ).toBe(9);
  });

  it("passes stdin through to the child", () => {
    // spawnSync blocks the event loop, so vitest's own timeout could never end a hang here.
    const result = spawnSync(PODINIT, ["--", "sh"], {
      input: "echo from-stdin; exit 7\n",
      encoding: "utf8",
      env: taggedEnv(),
      timeout: 10_000,
    });
    expect(result.stdout).toBe("from-stdin\n");
    expect(result.status).toBe(7);
  }, 10_000);
});

describe("podinit binary: commands that cannot run", () => {
  it("exits 127 with one clear line when the command is not in PATH", async () => {
    const result = await runPodinit(["--", "no-such-program-here", "arg"]);
    expect(result.code).toBe(127);
    expect(result.stderr.trim().split("\n")).toEqual([
      "podinit: cannot run 'no-such-program-here': No such file or directory in PATH (ENOENT)",
    ]);
  });

  it("exits 126 for a directory", async () => {
    expect((await runPodinit(["--", dir])).code).toBe(126);
  });

  it("finds commands through the PATH it was given", async () => {
    const bin = join(dir, "bin");
    execFileSync("mkdir", ["-p", bin]);
    writeFileSync(join(bin, "my-app"), "#!/bin/sh\nexit 42\n", { mode: 0o755 });
    const result = await runPodinit(["my-app"], { env: { PATH: `${bin}:/usr/bin:/bin` } });
    expect(result.code).toBe(42);
  });
});

describe("podinit binary: command line", () => {
  it("prints its version and help", async () => {
    expect((await runPodinit(["--version"], { namespace: false })).stdout).toMatch(
      /^podinit \d+\.\d+\.\d+\n$/,
    );
    const help = await runPodinit(["--help"], { namespace: false });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("--grace-period=DURATION");
    expect(help.stdout).toContain("PODINIT_GRACE_PERIOD");
  });

  it.each([
    [["--frobnicate", "true"], "unknown option '--frobnicate'"],
    [["--grace-period=-5s", "true"], "--grace-period: '-5s' is not a duration"],
    [[], "no command to run"],
  ])("exits 2 for %j naming the problem", async (args, message) => {
    const result = await runPodinit(args, { namespace: false });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });

  it("exits 2 for a malformed PODINIT_* variable, naming it", async () => {
    const result = await runPodinit(["true"], {
      namespace: false,
      env: { PODINIT_STOP_SIGNAL: "SIGFOO" },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("PODINIT_STOP_SIGNAL");
  });

  it("logs what it does at PODINIT_LOG_LEVEL=debug or -vv, and nothing by default", async () => {
    const quiet = await runPodinit(["--", "sh", "-c", "exit 0"]);
    expect(quiet.stderr).toBe("");
    const verbose = await runPodinit(["-vv", "--", "sh", "-c", "exit 0"]);
    expect(verbose.stderr).toMatch(/podinit: started \["sh","-c","exit 0"\] as pid \d+/);
    const fromEnv = await runPodinit(["--", "sh", "-c", "exit 0"], {
      env: { PODINIT_LOG_LEVEL: "debug" },
    });
    expect(fromEnv.stderr).toContain("exiting with 0");
  });
});

describe("podinit idle (the chart's node probe)", () => {
  // Waiting in sigtimedwait means every signal is blocked (/proc's SigBlk shows 0 during the wait).
  const waiting = (pid: number): boolean =>
    readFileSync(`/proc/${pid}/wchan`, "utf8").includes("sigtimedwait");
  const rssKb = (pid: number): number =>
    Number(/^VmHWM:\s*(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]);

  it.each([
    ["as PID 1", true],
    ["as an ordinary process", false],
  ])(
    "%s: outlives every signal but a stop request, then exits 0, in under 2 MB of memory",
    async (_, namespace) => {
      const run = await startPodinit(["idle"], { namespace });
      await waitFor(() => waiting(run.pid) || undefined, "podinit idle to wait for signals");
      for (const signal of ["SIGHUP", "SIGUSR1", "SIGUSR2", "SIGALRM", "SIGWINCH"] as const)
        run.signal(signal);
      expect(rssKb(run.pid)).toBeLessThan(2048);
      run.signal("SIGTERM");
      expect(await run.finished).toMatchObject({ code: 0, signal: null, stdout: "" });
    },
  );

  it("takes no arguments, and `podinit -- idle` runs a program named idle", async () => {
    const extra = await runPodinit(["idle", "now"]);
    expect(extra.code).toBe(2);
    expect(extra.stderr).toContain("usage: podinit idle");
    const program = await runPodinit(["--", "idle"], { namespace: false, env: { PATH: dir } });
    expect(program.code).toBe(127);
    expect(program.stderr).toContain("cannot run 'idle'");
  });
});
