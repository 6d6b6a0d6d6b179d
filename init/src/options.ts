// podinit's command line, defined once: parseArgs for podinit itself, formatArgs for the webhook.

import { formatDuration, parseDuration } from "./duration.js";
import { isUncatchable, parseSignal, SIGCHLD, signalName, SIGTERM } from "./signals.js";

export type ForwardMode = "group" | "child";
export type LogLevel = "error" | "warn" | "info" | "debug";

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

export interface InitOptions {
  /** Who receives forwarded signals: the child's whole process group, or the child alone. */
  readonly forward: ForwardMode;
  /** The signal the app wants instead of SIGTERM when asked to stop (QUIT for nginx). */
  readonly stopSignal: number | null;
  readonly rewrites: readonly SignalRewrite[];
  /** After the first stop request, how long before every remaining process is killed; null waits forever. */
  readonly gracePeriodMs: number | null;
  /** After the main child exits on its own, how long the others get before they are killed. */
  readonly cleanupTimeoutMs: number;
  /** How long the first stop request is held back, so Service endpoints drain first. */
  readonly stopDelayMs: number;
  readonly remapExit: readonly ExitRemap[];
  readonly logLevel: LogLevel;
}

export const DEFAULT_OPTIONS: InitOptions = Object.freeze({
  forward: "group",
  stopSignal: null,
  rewrites: Object.freeze([]),
  gracePeriodMs: null,
  cleanupTimeoutMs: 5000,
  stopDelayMs: 0,
  remapExit: Object.freeze([]),
  logLevel: "warn",
});

export type Invocation =
  | { readonly action: "run"; readonly options: InitOptions; readonly command: readonly string[] }
  | { readonly action: "install"; readonly options: InitOptions; readonly destination: string }
  | { readonly action: "idle" }
  | { readonly action: "help" }
  | { readonly action: "version" };

export type OptionErrorCode = "ERR_OPTION_UNKNOWN" | "ERR_OPTION_INVALID" | "ERR_USAGE";

/** A command-line or environment problem; `message` names the option and what would be valid. */
export interface OptionError {
  readonly code: OptionErrorCode;
  readonly message: string;
}

/** `warnings` name the PODINIT_* variables podinit ignored, for the caller to log. */
export type ParseResult =
  | { readonly ok: true; readonly invocation: Invocation; readonly warnings: readonly string[] }
  | { readonly ok: false; readonly error: OptionError };

type Failure = { readonly ok: false; readonly error: OptionError };
/** What the parsing steps return before parseArgs adds the warnings. */
type StepResult = { readonly ok: true; readonly invocation: Invocation } | Failure;

/**
 * Kubernetes gives every container variables for each Service of its namespace (a Service named
 * `podinit` or `podinit-webhook` yields PODINIT_SERVICE_HOST, PODINIT_WEBHOOK_PORT_443_TCP…):
 * they share podinit's prefix without being meant for it.
 */
const SERVICE_LINK =
  /_SERVICE_HOST$|_SERVICE_PORT(_[A-Z0-9_]+)?$|_PORT$|_PORT_[0-9]+_(TCP|UDP|SCTP)(_(PROTO|PORT|ADDR))?$/;

type Draft = { -readonly [K in keyof InitOptions]: InitOptions[K] };

interface OptionSpec {
  readonly flag: string;
  readonly env: string;
  readonly placeholder: string;
  readonly repeatable: boolean;
  readonly help: string;
  /** Applies one value to the draft; returns why the value is wrong, or null. */
  readonly apply: (draft: Draft, value: string) => string | null;
  readonly format: (options: InitOptions) => string[];
}

const LOG_LEVELS: readonly LogLevel[] = ["error", "warn", "info", "debug"];
const DURATION_HINT = "a duration like 25s, 1500ms or 1m30s";

function durationSetter(
  key: "cleanupTimeoutMs" | "stopDelayMs",
): (draft: Draft, value: string) => string | null {
  return (draft, value) => {
    const ms = parseDuration(value);
    if (ms === null) return `'${value}' is not ${DURATION_HINT}`;
    draft[key] = ms;
    return null;
  };
}

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

const SPECS: readonly OptionSpec[] = [
  {
    flag: "--forward",
    env: "PODINIT_FORWARD",
    placeholder: "group|child",
    repeatable: false,
    help: "send forwarded signals to the child's process group (default) or the child only",
    apply: (draft, value) => {
      if (value !== "group" && value !== "child") return `'${value}' is not 'group' or 'child'`;
      draft.forward = value;
      return null;
    },
    format: o => (o.forward === DEFAULT_OPTIONS.forward ? [] : [`--forward=${o.forward}`]),
  },
  {
    flag: "--stop-signal",
    env: "PODINIT_STOP_SIGNAL",
    placeholder: "SIG",
    repeatable: false,
    help: "signal the app receives instead of SIGTERM when the container is stopped",
    apply: (draft, value) => {
      const signal = parseSignal(value);
      if (signal === null || isUncatchable(signal) || signal === SIGCHLD) {
        return `'${value}' is not a signal podinit can forward (like TERM, QUIT, INT, USR1)`;
      }
      draft.stopSignal = signal;
      return null;
    },
    format: o => (o.stopSignal === null ? [] : [`--stop-signal=${signalName(o.stopSignal)}`]),
  },
  {
    flag: "--rewrite",
    env: "PODINIT_REWRITE",
    placeholder: "FROM:TO",
    repeatable: true,
    help: "forward signal FROM as TO (TO 'none' drops it); repeatable, comma-separated in the env",
    apply: (draft, value) => {
      const pair = parsePair(value, parseRewriteTarget);
      if (pair === null || pair[0] === 0) {
        return `'${value}' is not FROM:TO with two signals (like TERM:QUIT or HUP:none)`;
      }
      if (isUncatchable(pair[0]) || pair[0] === SIGCHLD) {
        return `${signalName(pair[0])} cannot be rewritten: podinit never receives it as a request`;
      }
      draft.rewrites = [
        ...draft.rewrites.filter(r => r.from !== pair[0]),
        { from: pair[0], to: pair[1] },
      ];
      return null;
    },
    format: o =>
      o.rewrites.map(
        r => `--rewrite=${signalName(r.from)}:${r.to === 0 ? "none" : signalName(r.to)}`,
      ),
  },
  {
    flag: "--grace-period",
    env: "PODINIT_GRACE_PERIOD",
    placeholder: "DURATION",
    repeatable: false,
    help: "after the first stop request, SIGKILL whatever still runs after this long (default: never)",
    apply: (draft, value) => {
      if (value.trim() === "none") {
        draft.gracePeriodMs = null;
        return null;
      }
      const ms = parseDuration(value);
      if (ms === null || ms === 0)
        return `'${value}' is not ${DURATION_HINT} (above zero) or 'none'`;
      draft.gracePeriodMs = ms;
      return null;
    },
    format: o =>
      o.gracePeriodMs === null ? [] : [`--grace-period=${formatDuration(o.gracePeriodMs)}`],
  },
  {
    flag: "--cleanup-timeout",
    env: "PODINIT_CLEANUP_TIMEOUT",
    placeholder: "DURATION",
    repeatable: false,
    help: "when the main process exits on its own, how long the others get before SIGKILL (default 5s)",
    apply: durationSetter("cleanupTimeoutMs"),
    format: o =>
      o.cleanupTimeoutMs === DEFAULT_OPTIONS.cleanupTimeoutMs
        ? []
        : [`--cleanup-timeout=${formatDuration(o.cleanupTimeoutMs)}`],
  },
  {
    flag: "--stop-delay",
    env: "PODINIT_STOP_DELAY",
    placeholder: "DURATION",
    repeatable: false,
    help: "hold the first stop request back this long (a second one is forwarded at once)",
    apply: durationSetter("stopDelayMs"),
    format: o => (o.stopDelayMs === 0 ? [] : [`--stop-delay=${formatDuration(o.stopDelayMs)}`]),
  },
  {
    flag: "--remap-exit",
    env: "PODINIT_REMAP_EXIT",
    placeholder: "FROM:TO",
    repeatable: true,
    help: "exit with TO when the main process exits with FROM (like 143:0); repeatable",
    apply: (draft, value) => {
      const pair = parsePair(value, parseExitCode);
      if (pair === null) return `'${value}' is not FROM:TO with two exit codes from 0 to 255`;
      draft.remapExit = [
        ...draft.remapExit.filter(r => r.from !== pair[0]),
        { from: pair[0], to: pair[1] },
      ];
      return null;
    },
    format: o => o.remapExit.map(r => `--remap-exit=${r.from}:${r.to}`),
  },
  {
    flag: "--log-level",
    env: "PODINIT_LOG_LEVEL",
    placeholder: "LEVEL",
    repeatable: false,
    help: "error, warn (default), info or debug; -v raises it one step",
    apply: (draft, value) => {
      const level = LOG_LEVELS.find(l => l === value.trim().toLowerCase());
      if (level === undefined) return `'${value}' is not one of ${LOG_LEVELS.join(", ")}`;
      draft.logLevel = level;
      return null;
    },
    format: o => (o.logLevel === DEFAULT_OPTIONS.logLevel ? [] : [`--log-level=${o.logLevel}`]),
  },
];

const SPEC_BY_FLAG: ReadonlyMap<string, OptionSpec> = new Map(SPECS.map(s => [s.flag, s]));
const SPEC_BY_ENV: ReadonlyMap<string, OptionSpec> = new Map(SPECS.map(s => [s.env, s]));

function fail(code: OptionErrorCode, message: string): Failure {
  return { ok: false, error: { code, message } };
}

function invalid(source: string, reason: string): Failure {
  return fail("ERR_OPTION_INVALID", `${source}: ${reason}`);
}

function raiseLevel(level: LogLevel): LogLevel {
  return LOG_LEVELS[Math.min(LOG_LEVELS.indexOf(level) + 1, LOG_LEVELS.length - 1)] ?? level;
}

/** Applies the PODINIT_* variables to `draft`: a problem, or the names of the variables it ignored. */
function applyEnv(
  draft: Draft,
  env: Readonly<Record<string, string | undefined>>,
): { readonly problem: Failure } | { readonly warnings: string[] } {
  const warnings: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith("PODINIT_") || value === undefined) continue;
    const spec = SPEC_BY_ENV.get(name);
    if (spec === undefined) {
      // Not fatal: a variable from other tooling must not stop the container from starting.
      if (!SERVICE_LINK.test(name)) {
        const known = SPECS.map(s => s.env).join(", ");
        warnings.push(`ignoring unknown environment variable ${name} (podinit reads ${known})`);
      }
      continue;
    }
    const values = spec.repeatable ? value.split(",").filter(v => v.trim() !== "") : [value];
    for (const one of values) {
      const reason = spec.apply(draft, one);
      if (reason !== null) return { problem: invalid(name, reason) };
    }
  }
  return { warnings };
}

function checkConsistency(draft: Draft): StepResult | null {
  if (draft.stopSignal !== null && draft.rewrites.some(r => r.from === SIGTERM)) {
    return fail(
      "ERR_OPTION_INVALID",
      "--stop-signal and --rewrite TERM:… both change SIGTERM: use only one of them",
    );
  }
  return null;
}

/** Where the options ended: the remaining arguments, and whether a `--` ended them. */
interface ScannedFlags {
  readonly rest: readonly string[];
  readonly separated: boolean;
}

function isVerbosity(arg: string): boolean {
  return /^-v+$/.test(arg) || arg === "--verbose";
}

/** Applies the flag at argv[index]; returns how many arguments it used, or the error. */
function applyFlag(
  argv: readonly string[],
  index: number,
  draft: Draft,
  listsFromFlags: Set<string>,
): number | StepResult {
  const arg = argv[index] ?? "";
  const equals = arg.indexOf("=");
  const flag = equals === -1 ? arg : arg.slice(0, equals);
  const spec = SPEC_BY_FLAG.get(flag);
  if (spec === undefined) {
    return fail("ERR_OPTION_UNKNOWN", `unknown option '${flag}' (see 'podinit --help')`);
  }
  const value = equals === -1 ? argv[index + 1] : arg.slice(equals + 1);
  if (value === undefined) return invalid(flag, `needs a value (${spec.placeholder})`);
  if (spec.repeatable && !listsFromFlags.has(flag)) {
    // A list given on the command line replaces the one from the environment.
    listsFromFlags.add(flag);
    if (flag === "--rewrite") draft.rewrites = [];
    else draft.remapExit = [];
  }
  const reason = spec.apply(draft, value);
  if (reason !== null) return invalid(flag, reason);
  return equals === -1 ? 2 : 1;
}

function scanFlags(argv: readonly string[], draft: Draft): ScannedFlags | StepResult {
  const listsFromFlags = new Set<string>();
  let index = 0;
  while (index < argv.length) {
    const arg = argv[index] ?? "";
    if (arg === "--") return { rest: argv.slice(index + 1), separated: true };
    if (arg === "-h" || arg === "--help") return { ok: true, invocation: { action: "help" } };
    if (arg === "-V" || arg === "--version") return { ok: true, invocation: { action: "version" } };
    if (isVerbosity(arg)) {
      const steps = arg === "--verbose" ? 1 : arg.length - 1;
      for (let i = 0; i < steps; i++) draft.logLevel = raiseLevel(draft.logLevel);
      index++;
      continue;
    }
    if (!arg.startsWith("-") || arg === "-") break;
    const used = applyFlag(argv, index, draft, listsFromFlags);
    if (typeof used !== "number") return used;
    index += used;
  }
  return { rest: argv.slice(index), separated: false };
}

function invocationFor(scanned: ScannedFlags, options: InitOptions): StepResult {
  const { rest, separated } = scanned;
  if (rest[0] === "install" && !separated) {
    const destination = rest[1];
    if (rest.length !== 2 || destination === undefined || destination === "") {
      return fail("ERR_USAGE", "usage: podinit install DEST (copies podinit to the file DEST)");
    }
    return { ok: true, invocation: { action: "install", options, destination } };
  }
  if (rest[0] === "idle" && !separated) {
    if (rest.length !== 1) return fail("ERR_USAGE", "usage: podinit idle (takes no arguments)");
    return { ok: true, invocation: { action: "idle" } };
  }
  if (rest.length === 0) {
    return fail("ERR_USAGE", "no command to run; usage: podinit [options] -- COMMAND [ARGS...]");
  }
  return { ok: true, invocation: { action: "run", options, command: rest } };
}

/**
 * Reads podinit's arguments (without the program name) and its PODINIT_* environment.
 * Flags win over the environment. Options end at `--` or at the first argument that is not an
 * option, so `podinit sh -c '…'` works; `podinit install DEST` and `podinit idle` are the
 * subcommands (`podinit -- idle` runs a program named idle).
 */
export function parseArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = {},
): ParseResult {
  const draft: Draft = { ...DEFAULT_OPTIONS };
  const fromEnv = applyEnv(draft, env);
  if ("problem" in fromEnv) return fromEnv.problem;
  const scanned = scanFlags(argv, draft);
  const result: StepResult =
    "ok" in scanned
      ? scanned
      : (checkConsistency(draft) ?? invocationFor(scanned, Object.freeze(draft)));
  return result.ok ? { ...result, warnings: fromEnv.warnings } : result;
}

/** The flags that make podinit run with `options`, shortest form, without the `--` that follows. */
export function formatArgs(options: InitOptions): string[] {
  return SPECS.flatMap(spec => spec.format(options));
}

/** The text of `podinit --help`, generated from the same table that parses the options. */
export function helpText(version: string): string {
  const lines = [
    `podinit ${version}: a PID 1 for containers`,
    "",
    "usage: podinit [options] [--] COMMAND [ARGS...]",
    "       podinit install DEST",
    "       podinit idle               (do nothing until stopped: the chart's node probe)",
    "",
    "options (each also as the environment variable shown):",
  ];
  for (const spec of SPECS) {
    lines.push(`  ${spec.flag}=${spec.placeholder}`.padEnd(34) + spec.env);
    lines.push(`      ${spec.help}`);
  }
  lines.push("  -v, --verbose                   log more (repeatable)");
  lines.push("  -h, --help                      show this text");
  lines.push("  -V, --version                   print the version");
  return lines.join("\n") + "\n";
}
