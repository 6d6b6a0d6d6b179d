// The real PodinitSys inside the podinit binary, over podinit's C module.
import * as native from "podinit_native";
import { parseProcStat } from "./proc-stat.js";
import { dispositionIn } from "./signal-disposition.js";
import type { PodinitSys, ProcessEntry, Reaped, SpawnResult, TerminalMode } from "./sys.js";

const TERMINAL_CODES = { none: 0, session: 1, "foreground-group": 2 } as const;

function failed<T>(result: T | native.Failure): result is native.Failure {
  return typeof result === "object" && result !== null && "errno" in result;
}

/** The PodinitSys speaks "0 or an errno" for calls with nothing else to return. */
function errnoOf(result: 0 | native.Failure): number {
  return failed(result) ? result.errno : 0;
}

function spawn(command: readonly string[], terminal: TerminalMode): SpawnResult {
  const result = native.spawn(command, TERMINAL_CODES[terminal]);
  return failed(result) ? { failed: result.stage, errno: result.errno } : { pid: result };
}

function waitSignal(timeoutMs: number): number {
  const signal = native.waitSignal(timeoutMs);
  if (!failed(signal)) return signal;
  // Only a broken call (EINVAL, EFAULT) gets here: podinit cannot go on without its signals.
  throw new Error(`sigtimedwait failed: ${native.strerror(signal.errno)}`);
}

function readProcessTable(): ProcessEntry[] | null {
  const names = native.readdir("/proc");
  if (failed(names)) return null;
  const table: ProcessEntry[] = [];
  for (const name of names) {
    if (!/^[0-9]+$/.test(name)) continue;
    const stat = native.readFile(`/proc/${name}/stat`);
    if (failed(stat)) continue; // exited while we looked
    const parsed = parseProcStat(stat);
    if (parsed !== null)
      table.push({ pid: Number(name), state: parsed.state, ppid: parsed.ppid, pgid: parsed.pgid });
  }
  return table;
}

export function createQuickJsSys(): PodinitSys {
  return {
    spawn,
    releaseResources: () => {
      native.chdir("/");
      native.closeInheritedFds();
    },
    reap: (watch): Reaped => {
      const [others, state, code, signal, stopSignal] = native.reapAll(watch);
      return {
        others,
        watched: state === 1 || state === 3 ? { code, signal } : null,
        noneLeft: state >= 2,
        watchedStop: stopSignal === 0 ? null : stopSignal,
      };
    },
    kill: (pid, signal) => errnoOf(native.kill(pid, signal)),
    signalDisposition: (pid, signal) => {
      const status = native.readFile(`/proc/${pid}/status`);
      return failed(status) ? null : dispositionIn(status, signal);
    },
    handForeground: pgid => errnoOf(native.handForeground(pgid)),
    waitSignal,
    now: () => native.monotonicMs(),
    processes: readProcessTable,
    getpid: () => native.getpid(),
    describeErrno: errno => ({ name: native.errnoName(errno), text: native.strerror(errno) }),
    blockSignals: () => errnoOf(native.blockSignals()),
    setSubreaper: () => errnoOf(native.setSubreaper()),
    isatty: fd => native.isatty(fd),
    isSessionLeader: () => native.isSessionLeader(),
    detachTerminal: () => errnoOf(native.detachTerminal()),
    copySelf: path => errnoOf(native.copySelf(path)),
    rename: (from, to) => errnoOf(native.rename(from, to)),
    remove: path => errnoOf(native.unlink(path)),
    writeStderr: text => void native.write(2, text),
    writeStdout: text => void native.write(1, text),
  };
}
