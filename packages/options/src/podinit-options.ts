// podinit's options as rows of the option table: each flag's parser, help and default; InitOptions.

import { parseDuration } from "./duration.js";
import { defaults, type OptionSpec, type Parsed, type Values } from "./option-table.js";
import { duration, oneOf } from "./option-values.js";
import { isUncatchable, parseSignal, SIGCHLD, signalName } from "./signals.js";

export type ForwardMode = "group" | "child";
export const LOG_LEVELS = ["error", "warn", "info", "debug"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** One signal translated before it is forwarded; `to` 0 drops the signal. */
export interface SignalRewrite {
  readonly from: number;
  readonly to: number;
}

/** One exit code of the main child replaced by another (for JVMs that exit 143 on SIGTERM). */
export interface ExitRemap {
  readonly from: number;
  readonly to: number;
}

/** A row of podinit's table: --help shows `--flag=PLACEHOLDER`. */
interface InitOption<T> extends OptionSpec<T> {
  readonly placeholder: string;
}

const DURATION_HINT = "like 25s, 1500ms or 1m30s";

function parsePair(
  value: string,
  parseSide: (side: string) => number | null,
): readonly [number, number] | null {
  const parts = value.split(":");
  if (parts.length !== 2 || parts[0] === undefined || parts[1] === undefined) return null;
  const from = parseSide(parts[0]);
  const to = parseSide(parts[1]);
  return from === null || to === null ? null : [from, to];
}

function parseExitCode(text: string): number | null {
  if (!/^[0-9]{1,3}$/.test(text.trim())) return null;
  const code = Number(text.trim());
  return code <= 255 ? code : null;
}

function parseRewriteTarget(text: string): number | null {
  const lowered = text.trim().toLowerCase();
  if (lowered === "0" || lowered === "none" || lowered === "drop") return 0;
  return parseSignal(text);
}

function forward(text: string): Parsed<ForwardMode> {
  return text === "group" || text === "child"
    ? { value: text }
    : `'${text}' is not 'group' or 'child'`;
}

function stopSignal(text: string): Parsed<number> {
  const signal = parseSignal(text);
  return signal === null || isUncatchable(signal) || signal === SIGCHLD
    ? `'${text}' is not a signal podinit can forward (like TERM, QUIT, INT, USR1)`
    : { value: signal };
}

function rewrite(text: string): Parsed<SignalRewrite> {
  const pair = parsePair(text, parseRewriteTarget);
  if (pair === null || pair[0] === 0) {
    return `'${text}' is not FROM:TO with two signals (like TERM:QUIT or HUP:none)`;
  }
  if (isUncatchable(pair[0]) || pair[0] === SIGCHLD) {
    return `${signalName(pair[0])} cannot be rewritten: podinit never receives it as a request`;
  }
  return { value: { from: pair[0], to: pair[1] } };
}

function gracePeriod(text: string): Parsed<number | null> {
  if (text.trim() === "none") return { value: null };
  const ms = parseDuration(text);
  return ms === null || ms === 0
    ? `'${text}' is not a duration ${DURATION_HINT} (above zero) or 'none'`
    : { value: ms };
}

function exitRemap(text: string): Parsed<ExitRemap> {
  const pair = parsePair(text, parseExitCode);
  return pair === null
    ? `'${text}' is not FROM:TO with two exit codes from 0 to 255`
    : { value: { from: pair[0], to: pair[1] } };
}

/** The keys are InitOptions' fields; the order is that of --help and of formatArgs. */
export const OPTIONS = {
  /** Who receives forwarded signals: the child's whole process group, or the child alone. */
  forward: {
    flag: "forward",
    placeholder: "group|child",
    help: "send forwarded signals to the child's process group (default) or the child only",
    fallback: "group",
    parse: forward,
  },
  /** The signal the app wants instead of SIGTERM when asked to stop (QUIT for nginx); null: SIGTERM. */
  stopSignal: {
    flag: "stop-signal",
    placeholder: "SIG",
    help: "signal the app receives instead of SIGTERM when the container is stopped",
    fallback: null,
    parse: stopSignal,
  },
  /** Each FROM once, the last pair given for it winning (options.ts settles that). */
  rewrites: {
    flag: "rewrite",
    placeholder: "FROM:TO",
    help: "forward signal FROM as TO (TO 'none' drops it); repeatable, comma-separated in the env",
    fallback: "",
    repeatable: true,
    parse: rewrite,
  },
  /** After the first stop request, how long before every remaining process is killed; null waits forever. */
  gracePeriodMs: {
    flag: "grace-period",
    placeholder: "DURATION",
    help: "after the first stop request, SIGKILL whatever still runs after this long (default: never)",
    fallback: "none",
    parse: gracePeriod,
  },
  /** After the main child exits on its own, how long the others get before they are killed. */
  cleanupTimeoutMs: {
    flag: "cleanup-timeout",
    placeholder: "DURATION",
    help: "when the main process exits on its own, how long the others get before SIGKILL (default 5s)",
    fallback: "5s",
    parse: duration(DURATION_HINT),
  },
  /** How long the first stop request is held back, so Service endpoints drain first. */
  stopDelayMs: {
    flag: "stop-delay",
    placeholder: "DURATION",
    help: "hold the first stop request back this long (a second one is forwarded at once)",
    fallback: "0s",
    parse: duration(DURATION_HINT),
  },
  /** Each FROM once, the last pair given for it winning (options.ts settles that). */
  remapExit: {
    flag: "remap-exit",
    placeholder: "FROM:TO",
    help: "exit with TO when the main process exits with FROM (like 143:0); repeatable",
    fallback: "",
    repeatable: true,
    parse: exitRemap,
  },
  logLevel: {
    flag: "log-level",
    placeholder: "LEVEL",
    help: "error, warn (default), info or debug; -v raises it one step",
    fallback: "warn",
    parse: oneOf(LOG_LEVELS, text => text.trim().toLowerCase()),
  },
} satisfies Readonly<Record<string, InitOption<unknown>>>;

export type InitOptions = Values<typeof OPTIONS>;

export const DEFAULT_OPTIONS: InitOptions = defaults(OPTIONS);
