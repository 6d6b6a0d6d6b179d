// The real Platform inside the podinit binary, over podinit's C module.
import * as native from "podinit_native";
import { dispositionIn } from "./signal-disposition.js";
import type { Platform, ProcessEntry, Reaped, SpawnResult, TerminalMode } from "./sys.js";

/** spawn's encoding of a failed pipe or fork: -(SPAWN_FORK_FAILED + errno), see podinit_native.c. */
const SPAWN_FORK_FAILED = 4096;
const TERMINAL_CODES = { none: 0, session: 1, "foreground-group": 2 } as const;

function spawn(command: readonly string[], terminal: TerminalMode): SpawnResult {
  const result = native.spawn(command, TERMINAL_CODES[terminal]);
  if (result >= 0) return { pid: result };
  if (result <= -SPAWN_FORK_FAILED) return { failed: "fork", errno: -result - SPAWN_FORK_FAILED };
  return { failed: "exec", errno: -result };
}

function readProcessTable(): ProcessEntry[] | null {
  const names = native.readdir("/proc");
  if (names === null) return null;
  const table: ProcessEntry[] = [];
  for (const name of names) {
    if (!/^[0-9]+$/.test(name)) continue;
    const stat = native.readFile(`/proc/${name}/stat`);
    if (stat === null) continue; // exited while we looked
    // The command name may hold spaces and parentheses: the fields start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    table.push({
      pid: Number(name),
      state: fields[0] ?? "?",
      ppid: Number(fields[1]),
      pgid: Number(fields[2]),
    });
  }
  return table;
}

export function createQuickJsPlatform(): Platform {
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
    kill: (pid, signal) => native.kill(pid, signal),
    signalDisposition: (pid, signal) => {
      const status = native.readFile(`/proc/${pid}/status`);
      return status === null ? null : dispositionIn(status, signal);
    },
    handForeground: pgid => native.handForeground(pgid),
    waitSignal: timeoutMs => native.waitSignal(timeoutMs),
    now: () => native.monotonicMs(),
    processes: readProcessTable,
    getpid: () => native.getpid(),
    describeErrno: errno => ({ name: native.errnoName(errno), text: native.strerror(errno) }),
    blockSignals: () => native.blockSignals(),
    setSubreaper: () => native.setSubreaper(),
    isatty: fd => native.isatty(fd),
    isSessionLeader: () => native.isSessionLeader(),
    detachTerminal: () => native.detachTerminal(),
    copySelf: path => native.copySelf(path),
    rename: (from, to) => native.rename(from, to),
    remove: path => native.unlink(path),
    writeStderr: text => void native.write(2, text),
    writeStdout: text => void native.write(1, text),
  };
}
