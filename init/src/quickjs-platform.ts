// The real Platform inside the podinit binary, over podinit's C module.
import * as native from "podinit_native";
import type { Platform, ProcessEntry, Reaped } from "./sys.js";

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
    spawn: (command, takeTerminal) => native.spawn(command, takeTerminal),
    releaseResources: () => {
      native.chdir("/");
      native.closeInheritedFds();
    },
    reap: (watch): Reaped => {
      const [others, state, code, signal] = native.reapAll(watch);
      return {
        others,
        watched: state === 1 || state === 3 ? { code, signal } : null,
        noneLeft: state >= 2,
      };
    },
    kill: (pid, signal) => native.kill(pid, signal),
    waitSignal: timeoutMs => native.waitSignal(timeoutMs),
    now: () => native.monotonicMs(),
    processes: readProcessTable,
    getpid: () => native.getpid(),
    describeErrno: errno => ({ name: native.errnoName(errno), text: native.strerror(errno) }),
    blockSignals: () => native.blockSignals(),
    setSubreaper: () => native.setSubreaper(),
    isatty: fd => native.isatty(fd),
    detachTerminal: () => native.detachTerminal(),
    copySelf: path => native.copySelf(path),
    rename: (from, to) => native.rename(from, to),
    remove: path => native.unlink(path),
    writeStderr: text => void native.write(2, text),
    writeStdout: text => void native.write(1, text),
  };
}
