// The conformance cases: what tini's and dumb-init's own test suites check, restated for any init.
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import {
  parseSignal,
  SIGCHLD,
  SIGCONT,
  SIGHUP,
  SIGINT,
  SIGKILL,
  SIGQUIT,
  SIGRTMAX,
  SIGSTOP,
  SIGTERM,
  SIGTSTP,
  SIGTTIN,
  SIGTTOU,
} from "#options/signals.js";
import { descendants, readProcess } from "../support/process-table.js";
import { waitFor, type Finished } from "../support/tracked-processes.js";
import { shellWords } from "../support/shell-words.js";
import { childrenOf, type CaseContext, type ConformanceCase, type Started } from "./harness.js";
import type { Features } from "./inits.js";

const BOTH = ["pid1", "process"] as const;
const PROCESS = ["process"] as const;

/** A signal's number by name, from podinit's own table (x86_64 and arm64 share it). */
function numberOf(name: string): number {
  const signal = parseSignal(name);
  if (signal === null) throw new Error(`no signal ${name}`);
  return signal;
}
const SIGUSR1 = numberOf("USR1");
const SIGUSR2 = numberOf("USR2");
const SIGWINCH = numberOf("WINCH");
const SIGSYS = numberOf("SYS");
const SIGILL = numberOf("ILL");
const EXIT_CODES = Array.from({ length: 256 }, (_, i) => i);
const SIGNALS = Array.from({ length: SIGRTMAX }, (_, i) => i + 1);
/** The signals the C libraries and dumb-init's and tini's tests stop at: 1-31. */
const STANDARD = (s: number) => s < 32;
/** Signals whose default action is not to end the process: ignore, continue, stop. */
const DEFAULT_SPARES = new Set([
  SIGCHLD,
  SIGCONT,
  SIGSTOP,
  SIGTSTP,
  SIGTTIN,
  SIGTTOU,
  numberOf("URG"),
  SIGWINCH,
]);
/** Every signal that ends a process by default, but KILL (nobody can catch or forward it). */
const FATAL_CATCHABLE = SIGNALS.filter(s => !DEFAULT_SPARES.has(s) && s !== SIGKILL);
/** Signals an init forwards as they are: all but KILL, STOP, CHLD and the job-control stops. */
const FORWARDABLE = SIGNALS.filter(
  s => ![SIGKILL, SIGCHLD, SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU].includes(s),
);
/** tini's signals test: what its users send. */
const TINI_TEST_SIGNALS = [SIGTERM, SIGUSR1, SIGUSR2];

/** "exit status N", or the signal that killed the init itself. */
function howEnded(finished: Finished): string {
  return finished.code === null ? `killed by ${finished.signal}` : `exit status ${finished.code}`;
}

function lines(path: string): string[] {
  return existsSync(path) ? readFileSync(path, "utf8").split("\n").filter(Boolean) : [];
}

/** Waits until `log` has `count` lines and returns them. */
function logLines(log: string, count: number, what: string): Promise<string[]> {
  return waitFor(() => {
    const seen = lines(log);
    return seen.length >= count ? seen : undefined;
  }, what);
}

/** Runs `count` jobs, `width` at a time; a failure of one fails all, after the others settled. */
async function inBatches(count: number, width: number, job: (i: number) => Promise<void>) {
  for (let start = 0; start < count; start += width) {
    const batch = Array.from({ length: Math.min(width, count - start) }, (_, k) => job(start + k));
    const settled = await Promise.allSettled(batch);
    const failed = settled.find(s => s.status === "rejected");
    if (failed !== undefined) throw failed.reason;
  }
}

function alive(pid: number): boolean {
  const p = readProcess(pid);
  return p !== null && p.state !== "Z";
}

function argvOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim();
  } catch {
    return "";
  }
}

/** Running or sleeping: alive and not stopped. */
const RUNNING = new Set(["R", "S"]);

function stateOf(pid: number): string {
  return readProcess(pid)?.state ?? "gone";
}

/** The command's pid once it has exec'd `comm` (its first child under the init). */
function commandOf(initPid: number, comm: string): Promise<number> {
  return waitFor(
    () => childrenOf(initPid).find(pid => readProcess(pid)?.comm === comm),
    `${comm} to start under the init`,
  );
}

/** A recorder started under the init, ready for signals. */
async function startRecorder(ctx: CaseContext, features: Features = {}) {
  const log = ctx.file("received");
  const init = await ctx.start([ctx.program("signal-recorder"), log], features);
  await logLines(log, 1, "the recorder to start");
  return { init, log };
}

/**
 * Sends each signal of `sequence` to the init and waits for the recorder to log what `expected`
 * says it should receive in its place.
 */
async function expectForwarded(
  ctx: CaseContext,
  features: Features,
  sequence: readonly number[],
  expected: readonly number[],
): Promise<Started> {
  const { init, log } = await startRecorder(ctx, features);
  for (const [i, signal] of sequence.entries()) {
    init.signal(signal);
    const seen = await logLines(log, i + 2, `the recorder to log the ${i + 1}th signal`).catch(() =>
      lines(log),
    );
    const received = seen.slice(1).map(Number);
    assert.deepEqual(
      received,
      expected.slice(0, i + 1),
      `sent ${signal} (expecting ${expected[i]}), received ${received.slice(-4).join(", ")} last`,
    );
  }
  return init;
}

/** Each of `signals`, sent to the init, ends a command that takes its default: 128+N. */
async function expectEndedBy(ctx: CaseContext, signals: readonly number[]): Promise<void> {
  const dies = ctx.program("dies-of-signal");
  await inBatches(signals.length, 4, async i => {
    const signal = signals[i] ?? 0;
    const ready = ctx.file("ready");
    const init = await ctx.start([dies, "wait", ready]);
    await waitFor(() => existsSync(ready), "the command to be ready");
    init.signal(signal);
    const finished = await init.exit().catch((error: Error) => {
      throw new Error(`signal ${signal} sent to the init: ${error.message}`);
    });
    assert.equal(
      finished.code,
      128 + signal,
      `signal ${signal} sent to the init: ${howEnded(finished)}`,
    );
  });
}

/** Each of `signals` reaches the recorder as it is; TERM, sent last, ends it and the init exits 0. */
async function expectEachForwarded(ctx: CaseContext, signals: readonly number[]): Promise<void> {
  const sequence = [...signals.filter(s => s !== SIGTERM), SIGTERM];
  const init = await expectForwarded(ctx, {}, sequence, sequence);
  const finished = await init.exit();
  assert.equal(finished.code, 0, `the recorder's own exit status: ${howEnded(finished)}`);
}

/** A script without the execute bit. */
function notExecutable(ctx: CaseContext): string {
  const path = ctx.file("not-executable");
  writeFileSync(path, "#!/bin/sh\necho ran\n", { mode: 0o644 });
  return path;
}

/** `trap` lines that append each signal's number to `log` when the shell receives it. */
function traps(log: string, signals: readonly number[]): string {
  return signals.map(s => `trap 'echo ${s} >> ${log}' ${s}`).join("; ");
}

export const CASES: readonly ConformanceCase[] = [
  {
    id: "exit-status",
    kind: "mirror",
    title: "exits with the command's exit status, for each of 0-255",
    mirrors:
      "tini test/run_inner_tests.py (exit code test); dumb-init tests/exit_status_test.py::test_exit_status_regular_exit",
    placements: BOTH,
    async run(ctx) {
      await inBatches(EXIT_CODES.length, 8, async code => {
        const finished = await ctx.run(["sh", "-c", `exit ${code}`]);
        assert.equal(
          finished.code,
          code,
          `command exited ${code}, the init: ${howEnded(finished)}`,
        );
      });
    },
  },
  {
    id: "remap-exit",
    kind: "mirror",
    title: "remaps an exit code to 0 when asked, and only that one",
    mirrors: "tini test/run_inner_tests.py (exit code test: -e, inclusive and exclusive)",
    placements: BOTH,
    async run(ctx) {
      await inBatches(256, 8, async code => {
        const finished = await ctx.run(["sh", "-c", `exit ${code}`], { remapExit: [[code, 0]] });
        assert.equal(finished.code, 0, `${code} remapped to 0: ${howEnded(finished)}`);
      });
      for (const code of [1, 143, 255]) {
        const others = EXIT_CODES.filter(c => c !== code).map(c => [c, 0] as const);
        const finished = await ctx.run(["sh", "-c", `exit ${code}`], { remapExit: others });
        assert.equal(
          finished.code,
          code,
          `${code}, with every other code remapped to 0: ${howEnded(finished)}`,
        );
      }
    },
  },
  {
    id: "exit-by-signal",
    kind: "mirror",
    title: "exits 128+N when the command dies of signal N, for every signal that kills by default",
    mirrors: "dumb-init tests/exit_status_test.py::test_exit_status_terminated_by_signal",
    placements: BOTH,
    async run(ctx) {
      const dies = ctx.program("dies-of-signal");
      await inBatches([...FATAL_CATCHABLE, SIGKILL].length, 8, async i => {
        const signal = [...FATAL_CATCHABLE, SIGKILL][i] ?? 0;
        const finished = await ctx.run([dies, "raise", String(signal)]);
        assert.equal(
          finished.code,
          128 + signal,
          `command died of signal ${signal}: ${howEnded(finished)}`,
        );
      });
    },
  },
  {
    id: "signal-ends-command",
    kind: "mirror",
    title:
      "TERM, USR1 or USR2 sent to the init ends a command that takes its default; the init exits 128+N",
    mirrors: "tini test/run_inner_tests.py (signals test)",
    placements: BOTH,
    run: ctx => expectEndedBy(ctx, TINI_TEST_SIGNALS),
  },
  {
    id: "every-signal-ends-command",
    kind: "extension",
    title: "so does every other signal that kills by default, real-time signals included",
    mirrors: "tini's signals test, extended to signals 1-64",
    placements: BOTH,
    run: ctx =>
      expectEndedBy(
        ctx,
        FATAL_CATCHABLE.filter(s => !TINI_TEST_SIGNALS.includes(s)),
      ),
  },
  {
    id: "forwards-signals",
    kind: "mirror",
    title: "forwards each of signals 1-31 to the command (but KILL, STOP, CHLD and job control)",
    mirrors: "dumb-init tests/proxies_signals_test.py::test_proxies_signals",
    placements: BOTH,
    run: ctx => expectEachForwarded(ctx, FORWARDABLE.filter(STANDARD)),
  },
  {
    id: "forwards-realtime-signals",
    kind: "extension",
    title:
      "forwards the real-time signals 32-64 too (the C libraries keep 32 and 33 for themselves)",
    mirrors: "dumb-init's test_proxies_signals, extended past 31",
    placements: BOTH,
    run: ctx =>
      expectEachForwarded(
        ctx,
        FORWARDABLE.filter(s => !STANDARD(s)),
      ),
  },
  {
    id: "rewrite",
    kind: "mirror",
    title: "rewrites signals as asked: TERM as INT, TERM and INT swapped, HUP and SYS swapped",
    mirrors: "dumb-init tests/proxies_signals_test.py::test_proxies_signals_with_rewrite",
    placements: BOTH,
    async run(ctx) {
      const sequence = [SIGTERM, SIGQUIT, SIGCONT, SIGINT];
      await expectForwarded(ctx, { rewrite: [[SIGTERM, SIGINT]] }, sequence, [
        SIGINT,
        SIGQUIT,
        SIGCONT,
        SIGINT,
      ]);
      await expectForwarded(
        ctx,
        {
          rewrite: [
            [SIGTERM, SIGINT],
            [SIGINT, SIGTERM],
            [SIGQUIT, SIGQUIT],
          ],
        },
        sequence,
        [SIGINT, SIGQUIT, SIGCONT, SIGTERM],
      );
      await expectForwarded(
        ctx,
        {
          rewrite: [
            [SIGHUP, SIGSYS],
            [SIGSYS, SIGHUP],
          ],
        },
        [SIGHUP, SIGSYS],
        [SIGSYS, SIGHUP],
      );
    },
  },
  {
    id: "rewrite-to-nothing",
    kind: "mirror",
    title: "a signal rewritten to nothing is not forwarded",
    mirrors: "dumb-init tests/proxies_signals_test.py::test_ignored_signals_are_not_proxied",
    placements: BOTH,
    async run(ctx) {
      const { init, log } = await startRecorder(ctx, {
        rewrite: [
          [SIGTERM, SIGQUIT],
          [SIGINT, null],
          [SIGWINCH, null],
        ],
      });
      init.signal(SIGTERM);
      init.signal(SIGINT);
      await logLines(log, 2, "the rewritten TERM");
      // SYS is numbered above WINCH: a WINCH forwarded by mistake would be logged before it.
      init.signal(SIGWINCH);
      init.signal(SIGSYS);
      await logLines(log, 3, "SYS");
      assert.deepEqual(lines(log).slice(1).map(Number), [SIGQUIT, SIGSYS]);
    },
  },
  {
    id: "group-forwarding",
    kind: "mirror",
    title: "forwarding to the group: a signal reaches the command's other processes",
    mirrors:
      "tini test/pgroup (-g); dumb-init tests/child_processes_test.py::test_setsid_signals_entire_group",
    placements: BOTH,
    async run(ctx) {
      const { sibling, got } = await startFamily(ctx, { forward: "group" });
      await waitFor(() => existsSync(got), "the command's handler to run");
      await waitFor(() => !alive(sibling), "the background process to die of SIGUSR1");
    },
  },
  {
    id: "child-forwarding",
    kind: "mirror",
    title: "forwarding to the child only: the command's other processes are left alone",
    mirrors:
      "dumb-init tests/child_processes_test.py::test_no_setsid_doesnt_signal_entire_group (-c)",
    placements: BOTH,
    async run(ctx) {
      const { sibling, got } = await startFamily(ctx, { forward: "child" });
      await waitFor(() => existsSync(got), "the command's handler to run");
      // The command handled it: a SIGUSR1 for the whole group would have reached the sibling by
      // then, as the init sends it once; the sibling is still alive, so it was never sent there.
      assert.ok(alive(sibling), "the background process survived");
    },
  },
  {
    id: "cleanup-on-exit",
    kind: "mirror",
    title: "when the command exits, what it left behind gets SIGTERM, and time to act on it",
    mirrors:
      "dumb-init tests/child_processes_test.py::test_all_processes_receive_term_on_exit_if_setsid",
    placements: BOTH,
    async run(ctx) {
      const log = ctx.file("leftover");
      // The leftover needs a moment to shut down: an init that exits at once as PID 1 takes it
      // down with SIGKILL before it is done.
      const leftover =
        `trap 'sleep 0.3; echo done >> ${log}; exit 0' TERM; echo ready >> ${log}; ` +
        "while :; do sleep 0.05; done";
      const finished = await ctx.run([
        "sh",
        "-c",
        `sh -c ${shellWords([leftover])} >/dev/null 2>&1 & ` +
          `while ! [ -s ${log} ]; do sleep 0.01; done; exit 0`,
      ]);
      assert.equal(finished.code, 0, `the command's own exit status: ${howEnded(finished)}`);
      await logLines(log, 2, "the leftover to finish its shutdown").catch(() => undefined);
      assert.deepEqual(lines(log), ["ready", "done"], "what the leftover did");
    },
  },
  {
    id: "reaps-zombies",
    kind: "mirror",
    title: "reaps the orphans the command leaves (PID 1; elsewhere as a subreaper)",
    mirrors: "tini test/reaping (with -s outside PID 1); dumb-init tests/test-zombies",
    placements: BOTH,
    async run(ctx) {
      const ready = ctx.file("ready");
      // Orphans that live a second: long enough to be seen re-parented to the init.
      const orphans = Array.from({ length: 10 }, () => "(sleep 1 &)");
      const init = await ctx.start(
        ["sh", "-c", `${orphans.join("; ")}; touch ${ready}; exec sleep 1000`],
        { reapsOrphans: true },
      );
      await waitFor(() => existsSync(ready), "the orphans to be made");
      const command = await waitFor(
        () => childrenOf(init.pid).find(pid => argvOf(pid) === "sleep 1000"),
        "the command to exec",
      );
      const adopted = await waitFor(() => {
        const children = childrenOf(init.pid).filter(pid => pid !== command);
        return children.length === 10 ? children : undefined;
      }, "the 10 orphans to be re-parented to the init");
      // An orphan nobody reaps stays a zombie: each must be gone entirely.
      await waitFor(
        () => adopted.every(pid => readProcess(pid) === null),
        "every orphan to exit and be reaped",
      );
    },
  },
  {
    id: "keeps-signal-mask",
    kind: "mirror",
    title:
      "the command starts with exactly the signals blocked and ignored that the init was given",
    // tini's test ignores SEGV, not HUP: this kernel resets an ignored SEGV on exec, init or not.
    mirrors: "tini test/sigconf (TTIN, ILL, TERM blocked; TTOU, HUP, INT ignored)",
    placements: BOTH,
    async run(ctx) {
      const report = ["grep", "-E", "^Sig(Blk|Ign)", "/proc/self/status"];
      const direct = await ctx.runRaw([...SIGNAL_CONFIGURER, ...report]);
      const underInit = await ctx.run(report, {}, { via: SIGNAL_CONFIGURER });
      const mask = (name: string) =>
        BigInt(`0x${new RegExp(`^${name}:\\s*([0-9a-f]+)$`, "m").exec(direct.stdout)?.[1] ?? "0"}`);
      const has = (set: bigint, signal: number) => (set & (1n << BigInt(signal - 1))) !== 0n;
      // The configurer did its part, so the comparison means something.
      for (const signal of [SIGTTIN, SIGILL, SIGTERM])
        assert.ok(has(mask("SigBlk"), signal), `signal ${signal} blocked by the configurer`);
      for (const signal of [SIGTTOU, SIGHUP, SIGINT])
        assert.ok(has(mask("SigIgn"), signal), `signal ${signal} ignored by the configurer`);
      assert.equal(
        underInit.stdout,
        direct.stdout,
        "the command's mask, with and without the init",
      );
    },
  },
  {
    id: "working-directory",
    kind: "mirror",
    title: "the command starts in the init's working directory; the init itself moves to /",
    mirrors: "dumb-init tests/cwd_test.py::test_working_directories",
    placements: BOTH,
    async run(ctx) {
      // The init may let go of it just after starting the command: the command looks for a while.
      const script =
        'i=0; while [ "$(readlink /proc/$PPID/cwd)" != / ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done; ' +
        "readlink /proc/$PPID/cwd /proc/$$/cwd";
      const finished = await ctx.run(["sh", "-c", script]);
      const [initCwd, commandCwd] = finished.stdout.split("\n");
      assert.equal(commandCwd, ctx.dir, "the command's working directory");
      assert.equal(initCwd, "/", "the init's own working directory");
    },
  },
  {
    id: "descriptors",
    kind: "extension",
    title: "the command gets exactly the descriptors the init was given",
    mirrors:
      "dumb-init tests/cwd_test.py, the same rule for descriptors: the command gets what the init was given, and nothing of the init's own",
    placements: BOTH,
    async run(ctx) {
      const report = ["ls", "/proc/self/fd"];
      const direct = await ctx.runRaw([...DESCRIPTOR_OPENER, ...report]);
      const underInit = await ctx.run(report, {}, { via: DESCRIPTOR_OPENER });
      assert.ok(direct.stdout.split("\n").includes("7"), "the opener's descriptor is there");
      const fds = (out: string) => out.trim().split("\n").join(", ");
      assert.equal(
        fds(underInit.stdout),
        fds(direct.stdout),
        `descriptors under the init: ${fds(underInit.stdout)}; without: ${fds(direct.stdout)}`,
      );
    },
  },
  {
    id: "cannot-run",
    kind: "mirror",
    title:
      "a command that does not exist or is not executable: a non-zero exit and a message naming it",
    mirrors: "dumb-init tests/child_processes_test.py::test_fails_nonzero_with_bad_exec",
    placements: BOTH,
    async run(ctx) {
      for (const path of ["/doesnotexist", notExecutable(ctx)]) {
        const finished = await ctx.run([path]);
        assert.notEqual(finished.code, 0, `${path}: ${howEnded(finished)}`);
        assert.ok(finished.stderr.includes(path), `stderr names ${path}: ${finished.stderr}`);
        assert.equal(finished.stdout, "", "nothing on stdout");
      }
    },
  },
  {
    id: "not-found-127",
    kind: "extension",
    title: "one that does not exist exits 127, as in a shell",
    mirrors: "dumb-init's test_fails_nonzero_with_bad_exec, with the shell's code",
    placements: BOTH,
    async run(ctx) {
      const finished = await ctx.run(["/doesnotexist"]);
      assert.equal(finished.code, 127, howEnded(finished));
    },
  },
  {
    id: "not-executable-126",
    kind: "extension",
    title: "one that is not executable exits 126, as in a shell",
    mirrors: "dumb-init's test_fails_nonzero_with_bad_exec, with the shell's code",
    placements: BOTH,
    async run(ctx) {
      const finished = await ctx.run([notExecutable(ctx)]);
      assert.equal(finished.code, 126, howEnded(finished));
    },
  },
  {
    id: "terminal-io",
    kind: "mirror",
    title: "the command reads and writes the terminal the init was given",
    mirrors: "dumb-init tests/tty_test.py::test_tty",
    placements: PROCESS,
    async run(ctx) {
      const { code, output } = await ctx.terminal(
        `stty -echo -onlcr; echo READY; exec ${shellWords(ctx.argv(["tac"]))}`,
        [{ after: "READY", type: "1\n2\n3\n\x04" }],
      );
      assert.equal(output.slice(output.indexOf("READY") + "READY\n".length), "3\n2\n1\n");
      assert.equal(code, 0);
    },
  },
  {
    id: "terminal-job-control",
    kind: "mirror",
    title:
      "given a terminal, the command gets it as its controlling terminal (bash has job control)",
    mirrors: "dumb-init tests/tty_test.py::test_child_gets_controlling_tty_if_we_had_one",
    placements: PROCESS,
    async run(ctx) {
      const bash = ctx.argv(["bash", "--norc", "--noprofile", "-m"]);
      const { code, output } = await ctx.terminal(`stty -echo; exec ${shellWords(bash)}`, [
        { after: "", type: 'echo "flags are: [[$-]]"\nexit 0\n' },
      ]);
      const flags = /flags are: \[\[([a-zA-Z]+)\]\]/.exec(output)?.[1] ?? "";
      assert.ok(flags.includes("m"), `bash's flags: '${flags}' in ${JSON.stringify(output)}`);
      assert.equal(code, 0);
    },
  },
  {
    id: "interactive-ctrl-z",
    kind: "extension",
    title: "in an interactive shell, Ctrl-Z stops the job and gives the prompt back; fg resumes it",
    mirrors:
      "dumb-init tests/shell_background_test.py, through a real terminal (README: job control)",
    placements: PROCESS,
    async run(ctx) {
      // After `fg` the app reads a line: were it not in the foreground again, the kernel would stop
      // it with SIGTTIN instead. Markers are quoted apart where typed, so the echo cannot match.
      const app = shellWords(
        ctx.argv(["sh", "-c", 'echo APP-"READY"; read line; echo "GOT-$line"']),
      );
      const { code, output } = await ctx.terminal("PS1='$ ' bash --norc --noprofile -i", [
        { after: "$ ", type: `${app}\n` },
        { after: "APP-READY", type: "\x1a" },
        { after: "Stopped", type: 'echo "SHELL-""PROMPT-$?"\n' },
        { after: "SHELL-PROMPT-", type: "fg\n" },
        { after: "read line", type: "hello\n" },
        { after: "GOT-hello", type: 'echo "APP-""EXITED-$?"; exit\n' },
      ]);
      // The shell saw the job stop: its status is 128 + the signal that stopped it.
      const stopped = Number(/SHELL-PROMPT-(\d+)/.exec(output)?.[1]);
      assert.ok(stopped > 128 && stopped <= 128 + 64, `the stopped job's status: ${stopped}`);
      assert.ok(output.includes("GOT-hello"), `the app read the line after fg: ${output}`);
      assert.ok(output.includes("APP-EXITED-0"), "the job's exit status");
      assert.equal(code, 0);
    },
  },
  {
    id: "stops-with-command",
    kind: "mirror",
    title:
      "sent TSTP, TTIN or TTOU outside PID 1, the init and the command stop; CONT resumes both",
    mirrors: "dumb-init tests/shell_background_test.py::test_shell_background_support_setsid",
    placements: PROCESS,
    async run(ctx) {
      const init = await ctx.start(["sleep", "1000"]);
      const command = await commandOf(init.pid, "sleep");
      for (const signal of [SIGTSTP, SIGTTIN, SIGTTOU]) {
        init.signal(signal);
        await waitFor(
          () => stateOf(init.pid) === "T" && stateOf(command) === "T",
          `both stopped by signal ${signal} (init ${stateOf(init.pid)}, command ${stateOf(command)})`,
        );
        init.signal(SIGCONT);
        await waitFor(
          () => RUNNING.has(stateOf(init.pid)) && RUNNING.has(stateOf(command)),
          `both running again after CONT (init ${stateOf(init.pid)}, command ${stateOf(command)})`,
        );
      }
    },
  },
  {
    id: "child-gets-job-signals",
    kind: "mirror",
    title:
      "forwarding to the child only, a command that handles TSTP, TTIN or TTOU gets them as they are",
    mirrors: "dumb-init tests/shell_background_test.py::test_prints_signals (-c)",
    placements: BOTH,
    async run(ctx) {
      const log = ctx.file("received");
      const ready = ctx.file("ready");
      const handled = [SIGTSTP, SIGTTIN, SIGTTOU, SIGCONT];
      const script = `${traps(log, handled)}; touch ${ready}; while :; do sleep 0.05; done`;
      const init = await ctx.start(["sh", "-c", script], { forward: "child" });
      await waitFor(() => existsSync(ready), "the command's traps");
      const expected: number[] = [];
      for (const signal of [SIGTSTP, SIGTTIN, SIGTTOU]) {
        init.signal(signal);
        expected.push(signal);
        await logLines(log, expected.length, `the command to handle signal ${signal}`);
        // An init that stopped itself with the signal (as dumb-init does) is continued here.
        init.signal(SIGCONT);
        expected.push(SIGCONT);
        await logLines(log, expected.length, "the command to handle CONT");
      }
      assert.deepEqual(lines(log).map(Number), expected);
    },
  },
  {
    id: "help",
    kind: "mirror",
    title: "the help flag prints the usage and exits 0, running nothing",
    mirrors: "dumb-init tests/cli_test.py::test_help_message",
    placements: PROCESS,
    async run(ctx) {
      const finished = await ctx.runRaw([ctx.init.program, ctx.init.helpFlag]);
      assert.equal(finished.code, 0);
      assert.match(finished.stdout + finished.stderr, /usage/i);
    },
  },
  {
    id: "version",
    kind: "mirror",
    title: "the version flag prints a version number and exits 0",
    mirrors: "dumb-init tests/cli_test.py::test_version_message",
    placements: PROCESS,
    async run(ctx) {
      const finished = await ctx.runRaw([ctx.init.program, ctx.init.versionFlag]);
      assert.equal(finished.code, 0);
      assert.match(finished.stdout + finished.stderr, /\d+\.\d+\.\d+/);
    },
  },
  {
    id: "no-command",
    kind: "mirror",
    title: "without a command: the usage on stderr, nothing on stdout, a non-zero exit",
    mirrors: "dumb-init tests/cli_test.py::test_no_arguments_prints_usage",
    placements: PROCESS,
    async run(ctx) {
      const finished = await ctx.runRaw([ctx.init.program]);
      assert.notEqual(finished.code, 0);
      assert.match(finished.stderr, /usage/i);
      assert.equal(finished.stdout, "");
    },
  },
  {
    id: "unknown-option",
    kind: "extension",
    title: "an unknown option: a message naming it, a non-zero exit, and the command not run",
    mirrors: "no peer test: an option the init does not know must not be taken for the command",
    placements: PROCESS,
    async run(ctx) {
      const marker = ctx.file("ran");
      const [program, ...rest] = ctx.argv(["touch", marker]);
      const finished = await ctx.runRaw([program ?? "", "--no-such-option", ...rest]);
      assert.notEqual(finished.code, 0, "exit status 0");
      assert.match(finished.stderr, /no-such-option/, `stderr: ${finished.stderr}`);
      assert.equal(existsSync(marker), false, "the command ran");
    },
  },
  {
    id: "verbose-off-stdout",
    kind: "mirror",
    title: "verbose output goes to stderr: stdout carries exactly the command's output",
    mirrors: "dumb-init tests/cli_test.py::test_verbose",
    placements: BOTH,
    async run(ctx) {
      const quiet = await ctx.run(["echo", "oh,", "hi"]);
      const verbose = await ctx.run(["echo", "oh,", "hi"], { verbose: true });
      assert.equal(verbose.code, 0, `${howEnded(verbose)}`);
      assert.equal(verbose.stdout, "oh, hi\n", `stdout: ${JSON.stringify(verbose.stdout)}`);
      assert.ok(verbose.stderr.length > quiet.stderr.length, "verbose says more than quiet");
    },
  },
];

/**
 * The command (a shell) handles SIGUSR1 by writing a file; a sibling in its process group
 * (`sleep`) takes the default and dies of it. USR1 goes to the init.
 */
async function startFamily(ctx: CaseContext, features: Features) {
  const got = ctx.file("got");
  const ready = ctx.file("ready");
  const script =
    `sleep 1000 & trap 'touch ${got}' USR1; ` + `touch ${ready}; while :; do sleep 0.05; done`;
  const init = await ctx.start(["sh", "-c", script], features);
  await waitFor(() => existsSync(ready), "the command's trap");
  // Found by its arguments: a pid the shell prints is the namespace's, not the host's.
  const sibling = await waitFor(
    () => descendants(init.pid).find(p => argvOf(p.pid) === "sleep 1000")?.pid,
    "the background sleep",
  );
  init.signal(SIGUSR1);
  return { sibling, got };
}

/** Execs its arguments with TTIN, ILL and TERM blocked and TTOU, HUP and INT ignored. */
const SIGNAL_CONFIGURER = [
  "python3",
  "-c",
  [
    "import os, signal, sys",
    "signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTTIN, signal.SIGILL, signal.SIGTERM})",
    "for s in (signal.SIGTTOU, signal.SIGHUP, signal.SIGINT): signal.signal(s, signal.SIG_IGN)",
    "os.execvp(sys.argv[1], sys.argv[1:])",
  ].join("\n"),
];

/** Execs its arguments with /dev/null open as descriptor 7. */
const DESCRIPTOR_OPENER = [
  "python3",
  "-c",
  [
    "import os, sys",
    "os.dup2(os.open('/dev/null', os.O_RDONLY), 7)",
    "os.set_inheritable(7, True)",
    "os.execvp(sys.argv[1], sys.argv[1:])",
  ].join("\n"),
];
