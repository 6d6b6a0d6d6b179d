// Linux signal names and numbers, shared by podinit and the webhook that validates annotations.

// x86_64 and arm64 both use the generic Linux numbering, so one table serves every build.
const STANDARD_SIGNALS: Readonly<Record<string, number>> = {
  HUP: 1,
  INT: 2,
  QUIT: 3,
  ILL: 4,
  TRAP: 5,
  ABRT: 6,
  BUS: 7,
  FPE: 8,
  KILL: 9,
  USR1: 10,
  SEGV: 11,
  USR2: 12,
  PIPE: 13,
  ALRM: 14,
  TERM: 15,
  STKFLT: 16,
  CHLD: 17,
  CONT: 18,
  STOP: 19,
  TSTP: 20,
  TTIN: 21,
  TTOU: 22,
  URG: 23,
  XCPU: 24,
  XFSZ: 25,
  VTALRM: 26,
  PROF: 27,
  WINCH: 28,
  IO: 29,
  PWR: 30,
  SYS: 31,
};

const ALIASES: Readonly<Record<string, number>> = { IOT: 6, POLL: 29, CLD: 17 };

export const SIGHUP = 1;
export const SIGINT = 2;
export const SIGQUIT = 3;
export const SIGKILL = 9;
export const SIGTERM = 15;
export const SIGCHLD = 17;
export const SIGCONT = 18;
export const SIGSTOP = 19;
export const SIGTSTP = 20;
export const SIGTTIN = 21;
export const SIGTTOU = 22;

/** Real-time signals as `kill -l` names them: the C libraries reserve 32 and 33 for themselves. */
export const SIGRTMIN = 34;
export const SIGRTMAX = 64;

const NAME_BY_NUMBER: ReadonlyMap<number, string> = new Map(
  Object.entries(STANDARD_SIGNALS).map(([name, num]) => [num, name]),
);

/** The conventional name without the SIG prefix: 15 → "TERM", 36 → "RTMIN+2", 62 → "RTMAX-2". */
export function signalName(signal: number): string {
  const standard = NAME_BY_NUMBER.get(signal);
  if (standard !== undefined) return standard;
  if (signal === SIGRTMIN) return "RTMIN";
  if (signal === SIGRTMAX) return "RTMAX";
  const middle = (SIGRTMIN + SIGRTMAX) / 2;
  if (signal > SIGRTMIN && signal <= middle) return `RTMIN+${signal - SIGRTMIN}`;
  if (signal > middle && signal < SIGRTMAX) return `RTMAX-${SIGRTMAX - signal}`;
  return String(signal);
}

/**
 * Parses "TERM", "SIGTERM", "sigterm", "15", "RTMIN+3" into a signal number between 1 and 64;
 * returns null for anything else.
 */
export function parseSignal(text: string): number | null {
  const trimmed = text.trim();
  if (/^[0-9]+$/.test(trimmed)) {
    const num = Number(trimmed);
    return num >= 1 && num <= SIGRTMAX ? num : null;
  }
  let name = trimmed.toUpperCase();
  if (name.startsWith("SIG")) name = name.slice(3);
  const known = STANDARD_SIGNALS[name] ?? ALIASES[name];
  if (known !== undefined) return known;
  const rt = /^RT(MIN|MAX)(?:([+-])([0-9]{1,2}))?$/.exec(name);
  if (rt === null) return null;
  const base = rt[1] === "MIN" ? SIGRTMIN : SIGRTMAX;
  const offset = rt[3] === undefined ? 0 : Number(rt[3]) * (rt[2] === "-" ? -1 : 1);
  const num = base + offset;
  return num >= SIGRTMIN && num <= SIGRTMAX ? num : null;
}

/** Signals that can be neither caught nor blocked, and so can never be forwarded. */
export function isUncatchable(signal: number): boolean {
  return signal === SIGKILL || signal === SIGSTOP;
}

/** The signals that ask a container to stop: Kubernetes and container runtimes send one of these. */
export function isStopRequest(signal: number): boolean {
  return signal === SIGTERM || signal === SIGINT || signal === SIGQUIT;
}

/** Terminal job-control signals, which need special care when the child runs in its own session. */
export function isJobControl(signal: number): boolean {
  return signal === SIGTSTP || signal === SIGTTIN || signal === SIGTTOU;
}
