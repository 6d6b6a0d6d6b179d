// What the podinit binary does with its arguments: help, version, install, idle, or run a command as PID 1.
import { idle } from "./idle.js";
import { installSelf } from "./install.js";
import { createLog, type Log } from "./log.js";
import { helpText, parseArgs } from "#options/options.js";
import { supervise } from "./supervisor.js";
import type { PodinitSys, TerminalMode } from "./sys.js";

/** Exit code for a bad command line, like most Unix tools. */
export const USAGE_EXIT_CODE = 2;

export function runPodinit(
  sys: PodinitSys,
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  version: string,
): number {
  const parsed = parseArgs(argv, env);
  if (!parsed.ok) {
    sys.writeStderr(`podinit: ${parsed.error.message}\n`);
    return USAGE_EXIT_CODE;
  }
  const invocation = parsed.invocation;
  switch (invocation.action) {
    case "help":
      sys.writeStdout(helpText(version));
      return 0;
    case "version":
      sys.writeStdout(`podinit ${version}\n`);
      return 0;
    case "install":
      return installSelf(sys, invocation.destination, line => sys.writeStderr(line));
    case "idle":
      return idle(sys);
    case "run":
      break;
  }

  const log = createLog(invocation.options.logLevel, line => sys.writeStderr(line));
  for (const warning of parsed.warnings) log.warn(warning);
  // Before anything else can arrive: every signal is queued for the loop, none acted on by default.
  const blockErrno = sys.blockSignals();
  if (blockErrno !== 0) log.warn(`cannot block signals: ${sys.describeErrno(blockErrno).text}`);

  const isPid1 = sys.getpid() === 1;
  if (!isPid1) {
    const errno = sys.setSubreaper();
    if (errno !== 0) {
      log.warn(
        `not PID 1 and cannot become a child subreaper (${sys.describeErrno(errno).name}): orphans will not be reaped by podinit`,
      );
    }
  }
  const terminal = chooseTerminalMode(sys, log);
  return supervise(sys, log, {
    options: invocation.options,
    command: invocation.command,
    isPid1,
    terminal,
  });
}

/**
 * A session leader (PID 1 of a container started with a tty) gives its terminal up so the child's
 * new session can take it. Started from an interactive shell, podinit is not a session leader and
 * the terminal cannot change sessions: the child becomes the foreground group of podinit's own
 * session instead, so Ctrl-C, /dev/tty and full-screen programs still work.
 */
function chooseTerminalMode(sys: PodinitSys, log: Log): TerminalMode {
  if (!sys.isatty(0)) return "none";
  if (!sys.isSessionLeader()) return "foreground-group";
  const errno = sys.detachTerminal();
  if (errno !== 0) log.debug(`stdin stays podinit's terminal (${sys.describeErrno(errno).name})`);
  return "session";
}
