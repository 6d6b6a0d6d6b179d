// Reads a /proc/<pid>/stat line: the command name, which may hold spaces and parentheses, and the fields after it.

export interface ProcStat {
  readonly pid: number;
  /** The command name, without its parentheses. */
  readonly comm: string;
  /** R, S, D, T, Z…: Z is a zombie waiting to be reaped. */
  readonly state: string;
  readonly ppid: number;
  readonly pgid: number;
  readonly session: number;
  /** The controlling terminal's device number; 0 for none. */
  readonly ttyNr: number;
  /** The foreground process group of that terminal; -1 for none. */
  readonly tpgid: number;
  /** PF_* flags: PF_KTHREAD (0x00200000) marks a kernel thread. */
  readonly flags: number;
  /** User plus system CPU time, in clock ticks. */
  readonly cpuTicks: number;
  /** Clock ticks after boot at which the process started. */
  readonly startTicks: number;
}

/** null for a line that is not one (a process gone while it was read gives an empty one). */
export function parseProcStat(line: string): ProcStat | null {
  const open = line.indexOf("(");
  // The name ends at the last ')': a name may itself hold ')'.
  const close = line.lastIndexOf(")");
  if (open < 1 || close < open) return null;
  const fields = line.slice(close + 2).split(" ");
  const number = (index: number): number => Number(fields[index]);
  const state = fields[0] ?? "";
  if (state === "") return null;
  return {
    pid: Number(line.slice(0, open - 1)),
    comm: line.slice(open + 1, close),
    state,
    ppid: number(1),
    pgid: number(2),
    session: number(3),
    ttyNr: number(4),
    tpgid: number(5),
    flags: number(6),
    cpuTicks: number(11) + number(12),
    startTicks: number(19),
  };
}
