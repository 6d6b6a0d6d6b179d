// The real Platform inside the podinit binary: QuickJS's std/os modules plus podinit's C module.
import * as native from "podinit_native";
import * as os from "os";
import * as std from "std";
import type { Platform, ProcessEntry, Reaped } from "./sys.js";

function readProcessTable(): ProcessEntry[] | null {
  const [names, errno] = os.readdir("/proc");
  if (errno !== 0) return null;
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
      os.chdir("/");
      native.closeInheritedFds();
    },
    reap: (): Reaped => {
      const result = native.reap();
      if (result === 0) return "running";
      if (result === -1) return "none-left";
      return { pid: result[0], status: { code: result[1], signal: result[2] } };
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
    rename: (from, to) => -os.rename(from, to),
    remove: path => -os.remove(path),
    writeStderr: text => {
      std.err.puts(text);
      std.err.flush();
    },
    writeStdout: text => {
      std.out.puts(text);
      std.out.flush();
    },
  };
}
