import { describe, expect, it } from "vitest";
import { DEFAULT_OPTIONS, type InitOptions } from "#options/podinit-options.js";
import { INTERNAL_ERROR_EXIT } from "../../init/src/exit-status.js";
import { KILL_SETTLE_MS, PERIODIC_REAP_MS, supervise } from "../../init/src/supervisor.js";
import type { TerminalMode } from "../../init/src/sys.js";
import { captureLog, FakeSys, type FakeSysOptions } from "../support/fake-sys.js";

const HUP = 1;
const INT = 2;
const QUIT = 3;
const KILL = 9;
const USR1 = 10;
const USR2 = 12;
const TERM = 15;
const CONT = 18;
const STOP = 19;
const TSTP = 20;

function run(
  sysOptions: FakeSysOptions,
  options: Partial<InitOptions> = {},
  isPid1 = true,
  terminal: TerminalMode = "none",
) {
  const sys = new FakeSys({ podinitPid: isPid1 ? 1 : 100, ...sysOptions });
  const { lines, log } = captureLog();
  const code = supervise(sys, log, {
    options: { ...DEFAULT_OPTIONS, ...options },
    command: ["app", "--serve"],
    isPid1,
    terminal,
  });
  return { code, sys, lines, finishedAt: sys.now() };
}

const EXITS_ON_TERM = { reactions: { [TERM]: { exitAfterMs: 0, code: 0 } } } as const;
const IGNORES_TERM = { reactions: { [TERM]: "ignore" } } as const;

describe("supervise: exit codes", () => {
  it("returns the main process's exit code and releases podinit's cwd and descriptors", () => {
    const { code, sys } = run({ main: { exitAfterMs: 10, exitCode: 3 } });
    expect(code).toBe(3);
    expect(sys.released).toBe(true);
    expect(sys.spawned).toEqual([["app", "--serve"]]);
  });

  it("returns 128+N when the main process is killed by signal N", () => {
    expect(run({ main: {}, incoming: [{ at: 5, signal: USR1 }] }).code).toBe(128 + USR1);
  });

  it("applies --remap-exit to the final code", () => {
    const options = { remapExit: [{ from: 143, to: 0 }] };
    expect(run({ main: {}, incoming: [{ at: 5, signal: TERM }] }, options).code).toBe(0);
  });

  it.each([
    [2, 127, "cannot run 'app': No such file or directory in PATH (ENOENT)"],
    [13, 126, "cannot run 'app': Permission denied (EACCES)"],
  ])("maps exec errno %i to %i with one clear error line", (errno, code, line) => {
    const result = run({ main: { execErrno: errno } });
    expect(result.code).toBe(code);
    expect(result.lines).toEqual([`error: ${line}`]);
    expect(result.sys.released).toBe(false);
  });

  it("reports a failed fork as podinit's own failure (70), not as the command's (126)", () => {
    const result = run({ main: { forkErrno: 11 } });
    expect(result.code).toBe(INTERNAL_ERROR_EXIT);
    expect(result.lines).toEqual(["error: cannot start 'app': fork failed: Unknown error (E11)"]);
  });
});

describe("supervise: forwarding", () => {
  it("as PID 1 sends the stop request to every process in the namespace (kill -1)", () => {
    const { sys } = run({ main: EXITS_ON_TERM, incoming: [{ at: 5, signal: TERM }] });
    expect(sys.sent).toContainEqual({ at: 5, pid: -1, signal: TERM });
  });

  it("as a subreaper sends it to the child's group and to descendants that left the group", () => {
    const main = { ...EXITS_ON_TERM, children: [{ ...EXITS_ON_TERM, newGroup: true }] };
    const { sys } = run({ main, incoming: [{ at: 5, signal: TERM }] }, {}, false);
    expect(sys.sent.filter(s => s.signal === TERM).map(s => s.pid)).toEqual([-101, 102]);
  });

  it("forwards other signals to the child's group, or only to the child with --forward=child", () => {
    const incoming = [
      { at: 5, signal: USR1 },
      { at: 6, signal: TERM },
    ];
    const main = { reactions: { [USR1]: "ignore" as const, [TERM]: { exitAfterMs: 0, code: 0 } } };
    expect(run({ main, incoming }).sys.signalsTo(-2)).toEqual([USR1]);
    const childOnly = run({ main, incoming }, { forward: "child" }).sys;
    expect(childOnly.signalsTo(2)).toEqual([USR1, TERM]);
    expect(childOnly.signalsTo(-2)).toEqual([]);
  });

  it("translates SIGTERM into --stop-signal and applies --rewrite, dropping to none", () => {
    const main = { reactions: { [QUIT]: { exitAfterMs: 0, code: 0 }, [USR2]: "ignore" as const } };
    const incoming = [
      { at: 1, signal: HUP },
      { at: 2, signal: USR1 },
      { at: 3, signal: TERM },
    ];
    const options = {
      stopSignal: QUIT,
      rewrites: [
        { from: HUP, to: 0 },
        { from: USR1, to: USR2 },
      ],
    };
    const { sys, code } = run({ main, incoming }, options);
    expect(sys.sent.map(s => s.signal)).toEqual([USR2, QUIT]);
    expect(code).toBe(0);
  });

  it("stops the child's group and itself on SIGTSTP when it is not PID 1", () => {
    const main = { reactions: { [TERM]: { exitAfterMs: 0, code: 0 } } };
    const incoming = [
      { at: 1, signal: TSTP },
      { at: 2, signal: TERM },
    ];
    expect(run({ main, incoming }, {}, false).sys.sent.slice(0, 2)).toEqual([
      { at: 1, pid: -101, signal: STOP },
      { at: 1, pid: 100, signal: STOP },
    ]);
    expect(run({ main, incoming }, {}, true).sys.signalsTo(1)).toEqual([]);
  });

  it("stops the child alone with SIGSTOP on SIGTSTP under --forward=child when it takes the default (its orphaned group ignores TSTP)", () => {
    const main = { reactions: { [TERM]: { exitAfterMs: 0, code: 0 } } };
    const incoming = [
      { at: 1, signal: TSTP },
      { at: 2, signal: TERM },
    ];
    expect(run({ main, incoming }, { forward: "child" }).sys.sent[0]).toEqual({
      at: 1,
      pid: 2,
      signal: STOP,
    });
  });
});

describe("supervise: job control from the shell that started podinit", () => {
  // podinit is pid 100 (not PID 1), the app pid 101 in its own group, holding the terminal.
  const main = EXITS_ON_TERM;

  it("stops itself when the terminal stops the app, and on SIGCONT gives the app the terminal and continues it", () => {
    const mainStops = [{ at: 1, signal: TSTP }];
    const incoming = [
      { at: 5, signal: CONT },
      { at: 6, signal: TERM },
    ];
    const { sys, code } = run({ main, mainStops, incoming }, {}, false, "foreground-group");
    expect(sys.sent.slice(0, 2)).toEqual([
      { at: 1, pid: 100, signal: STOP },
      { at: 5, pid: -101, signal: CONT },
    ]);
    expect(sys.foregroundHandovers).toEqual([101]);
    expect(code).toBe(0);
  });

  it("does not stop itself again for the stop it forwarded, or without a shell's terminal", () => {
    const incoming = [
      { at: 1, signal: TSTP },
      { at: 6, signal: TERM },
    ];
    const fromShell = run({ main, incoming }, {}, false, "foreground-group").sys;
    expect(fromShell.signalsTo(100)).toEqual([STOP]);
    const mainStops = [{ at: 1, signal: TSTP }];
    const noTerminal = run({ main, mainStops, incoming: [{ at: 6, signal: TERM }] }, {}, false);
    expect(noTerminal.sys.signalsTo(100)).toEqual([]);
    expect(noTerminal.sys.foregroundHandovers).toEqual([]);
  });

  it("leaves the stop to an app that got SIGTSTP itself, and follows it once: fg is typed once", () => {
    // --forward=child, and an app whose handler stops it with SIGTSTP again (as editors do).
    const app = {
      reactions: { [TSTP]: { exitAfterMs: 1000, code: 0 }, [TERM]: EXITS_ON_TERM.reactions[TERM] },
    };
    const incoming = [
      { at: 1, signal: TSTP },
      { at: 5, signal: CONT },
      { at: 6, signal: TERM },
    ];
    const mainStops = [{ at: 2, signal: TSTP }];
    const { sys } = run(
      { main: app, incoming, mainStops },
      { forward: "child" },
      false,
      "foreground-group",
    );
    expect(sys.sent.filter(s => s.signal === STOP)).toEqual([{ at: 2, pid: 100, signal: STOP }]);
  });

  it("as PID 1 does not try to stop itself when the app is stopped", () => {
    const mainStops = [{ at: 1, signal: TSTP }];
    const { sys } = run(
      { main, mainStops, incoming: [{ at: 6, signal: TERM }] },
      {},
      true,
      "foreground-group",
    );
    expect(sys.signalsTo(1)).toEqual([]);
  });

  it.each([
    ["handles", { exitAfterMs: 0, code: 0 }],
    ["ignores", "ignore"],
  ] as const)("under --forward=child, sends SIGTSTP itself to an app that %s it", (_, reaction) => {
    const app = { reactions: { [TSTP]: reaction, [TERM]: { exitAfterMs: 0, code: 0 } } };
    const incoming = [
      { at: 1, signal: TSTP },
      { at: 2, signal: TERM },
    ];
    expect(run({ main: app, incoming }, { forward: "child" }).sys.sent[0]).toEqual({
      at: 1,
      pid: 2,
      signal: TSTP,
    });
  });
});

describe("supervise: stopping the whole container", () => {
  it("waits after the main process died for the others to finish, without a second signal", () => {
    const main = {
      ...EXITS_ON_TERM,
      children: [{ reactions: { [TERM]: { exitAfterMs: 800, code: 0 } } }],
    };
    const { code, sys, finishedAt } = run(
      { main, incoming: [{ at: 10, signal: TERM }] },
      { gracePeriodMs: 25_000 },
    );
    expect(code).toBe(0);
    expect(finishedAt).toBe(810);
    expect(sys.sent).toEqual([{ at: 10, pid: -1, signal: TERM }]);
  });

  it("kills everything left when the grace period runs out, saying how many, and returns 137", () => {
    const main = { ...IGNORES_TERM, children: [IGNORES_TERM, IGNORES_TERM] };
    const { code, sys, lines, finishedAt } = run(
      { main, incoming: [{ at: 10, signal: TERM }] },
      { gracePeriodMs: 25_000 },
    );
    expect(sys.sent).toEqual([
      { at: 10, pid: -1, signal: TERM },
      { at: 25_010, pid: -1, signal: KILL },
    ]);
    expect(lines).toContain(
      "warn: grace period of 25s expired: killing 3 remaining process(es) with SIGKILL",
    );
    expect(code).toBe(137);
    expect(finishedAt).toBe(25_010);
  });

  it("when the main process exits on its own, sends the others the stop signal, then SIGKILL after the cleanup timeout", () => {
    const main = {
      exitAfterMs: 100,
      exitCode: 3,
      children: [{ reactions: { [QUIT]: "ignore" as const } }],
    };
    const { code, sys } = run({ main }, { stopSignal: QUIT, cleanupTimeoutMs: 1500 });
    expect(sys.sent).toEqual([
      { at: 100, pid: -1, signal: QUIT },
      { at: 1600, pid: -1, signal: KILL },
    ]);
    expect(code).toBe(3);
  });

  it("never kills when the leftovers stop in time", () => {
    const main = {
      exitAfterMs: 100,
      exitCode: 0,
      children: [{ reactions: { [TERM]: { exitAfterMs: 300, code: 0 } } }],
    };
    const { sys, finishedAt } = run({ main });
    expect(sys.sent.map(s => s.signal)).toEqual([TERM]);
    expect(finishedAt).toBe(400);
  });

  it("holds the first stop request for --stop-delay, forwarding a second one at once", () => {
    const delayed = run(
      { main: EXITS_ON_TERM, incoming: [{ at: 10, signal: TERM }] },
      { stopDelayMs: 5000 },
    );
    expect(delayed.sys.sent).toEqual([{ at: 5010, pid: -1, signal: TERM }]);
    const hurried = run(
      {
        main: EXITS_ON_TERM,
        incoming: [
          { at: 10, signal: TERM },
          { at: 900, signal: INT },
        ],
      },
      { stopDelayMs: 5000 },
    );
    expect(hurried.sys.sent).toEqual([{ at: 900, pid: -1, signal: INT }]);
  });

  it("counts the grace period from the first stop request, not from the end of the stop delay", () => {
    const { sys } = run(
      { main: IGNORES_TERM, incoming: [{ at: 0, signal: TERM }] },
      { stopDelayMs: 5000, gracePeriodMs: 8000 },
    );
    expect(sys.sent).toEqual([
      { at: 5000, pid: -1, signal: TERM },
      { at: 8000, pid: -1, signal: KILL },
    ]);
  });

  it("with no grace period, lets the leftovers finish their shutdown after a stop request, however long", () => {
    const main = {
      ...EXITS_ON_TERM,
      children: [{ reactions: { [TERM]: { exitAfterMs: 60_000, code: 0 } } }],
    };
    const { code, sys, finishedAt } = run(
      { main, incoming: [{ at: 10, signal: TERM }] },
      { gracePeriodMs: null, cleanupTimeoutMs: 5000 },
    );
    expect(sys.sent).toEqual([{ at: 10, pid: -1, signal: TERM }]);
    expect(finishedAt).toBe(60_010);
    expect(code).toBe(0);
  });

  it("does not repeat the stop signal when a stop request follows the cleanup that already sent it", () => {
    const main = {
      exitAfterMs: 100,
      exitCode: 4,
      children: [{ reactions: { [TERM]: { exitAfterMs: 3000, code: 0 } } }],
    };
    const { code, sys } = run({ main, incoming: [{ at: 500, signal: TERM }] });
    expect(sys.sent).toEqual([{ at: 100, pid: -1, signal: TERM }]);
    expect(code).toBe(4);
  });

  it("cleans up with the stop signal --stop-delay was holding when the main process exits meanwhile", () => {
    const main = {
      exitAfterMs: 100,
      children: [{ reactions: { [INT]: { exitAfterMs: 50, code: 0 } } }],
    };
    const { sys } = run({ main, incoming: [{ at: 10, signal: INT }] }, { stopDelayMs: 5000 });
    expect(sys.sent).toEqual([{ at: 100, pid: -1, signal: INT }]);
  });

  it("keeps killing a main process that outlives SIGKILL, without spinning, and returns its code", () => {
    const main = { unkillable: true, ...IGNORES_TERM, exitAfterMs: 7000, exitCode: 4 };
    const { code, sys, lines, finishedAt } = run(
      { main, incoming: [{ at: 0, signal: TERM }] },
      { gracePeriodMs: 1000 },
    );
    expect(sys.sent.filter(s => s.signal === KILL).map(s => s.at)).toEqual([
      1000,
      1000 + KILL_SETTLE_MS,
      1000 + 2 * KILL_SETTLE_MS,
    ]);
    expect(code).toBe(4);
    expect(finishedAt).toBe(7000);
    expect(lines.filter(l => l.startsWith("warn:") && l.includes("killing again"))).toHaveLength(1);
  });

  it("sends no stop signal after SIGKILL when the main process dies of it and others remain", () => {
    const main = { ...IGNORES_TERM, children: [{ unkillable: true, ...IGNORES_TERM }] };
    const { code, sys, finishedAt } = run(
      { main, incoming: [{ at: 0, signal: TERM }] },
      { gracePeriodMs: 1000, forward: "child" },
    );
    expect(sys.sent.filter(s => s.at >= 1000)).toEqual([{ at: 1000, pid: -1, signal: KILL }]);
    expect(code).toBe(137);
    expect(finishedAt).toBe(1000 + KILL_SETTLE_MS);
  });

  it("forwards no stop request that comes after the cleanup's SIGKILL", () => {
    const main = {
      exitAfterMs: 100,
      exitCode: 0,
      children: [{ unkillable: true, ...IGNORES_TERM }],
    };
    const { code, sys } = run(
      { main, incoming: [{ at: 1500, signal: TERM }] },
      { cleanupTimeoutMs: 1000 },
    );
    expect(sys.sent.filter(s => s.at >= 1100)).toEqual([{ at: 1100, pid: -1, signal: KILL }]);
    expect(code).toBe(0);
  });

  it("gives up on processes that survive SIGKILL instead of hanging", () => {
    const main = {
      ...EXITS_ON_TERM,
      children: [{ unkillable: true, reactions: { [TERM]: "ignore" as const } }],
    };
    const { code, lines, finishedAt } = run(
      { main, incoming: [{ at: 0, signal: TERM }] },
      { gracePeriodMs: 1000 },
    );
    expect(code).toBe(0);
    expect(finishedAt).toBe(1000 + KILL_SETTLE_MS);
    expect(lines).toContain("warn: processes still exist after SIGKILL; exiting without them");
  });
});

describe("supervise: reaping", () => {
  it("reaps orphans even when SIGCHLD is lost, within the periodic reap interval", () => {
    const main = { exitAfterMs: 10_000, children: [{ newGroup: true, exitAfterMs: 50 }] };
    const sys = new FakeSys({ main, dropSigchld: true });
    const { log } = captureLog();
    const code = supervise(sys, log, {
      options: DEFAULT_OPTIONS,
      command: ["x"],
      isPid1: true,
      terminal: "none",
    });
    expect(code).toBe(0);
    expect(sys.now()).toBeLessThanOrEqual(10_000 + PERIODIC_REAP_MS);
    expect(sys.alive()).toEqual([]);
  });

  it("reaps a storm of orphans in one wake-up", () => {
    const orphans = Array.from({ length: 2000 }, () => ({ exitAfterMs: 500 }));
    const main = { exitAfterMs: 1000, children: [{ exitAfterMs: 1, children: orphans }] };
    const { sys, code } = run({ main });
    expect(code).toBe(0);
    expect(sys.processes()).toEqual([]);
  });
});
