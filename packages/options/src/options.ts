// podinit's command line, defined once: parseArgs for podinit itself, formatArgs for the webhook.

import { formatDuration } from "./duration.js";
import {
  envName,
  parseEntries,
  problemsIn,
  readFlag,
  readSettings,
  rowsOf,
  splitList,
  unknownVariables,
} from "./option-table.js";
import {
  DEFAULT_OPTIONS,
  LOG_LEVELS,
  OPTIONS,
  type InitOptions,
  type LogLevel,
} from "./podinit-options.js";
import { signalName, SIGTERM } from "./signals.js";

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

function fail(code: OptionErrorCode, message: string): Failure {
  return { ok: false, error: { code, message } };
}

/** The flags podinit was given, and where they ended. */
interface ScannedFlags {
  /** Each flag's texts, in order, every one already checked. */
  readonly flags: Map<string, string[]>;
  /** How many steps -v raises the log level: those after the last --log-level. */
  verbosity: number;
  readonly rest: readonly string[];
  /** Whether a `--` ended the options. */
  readonly separated: boolean;
}

function isVerbosity(arg: string): boolean {
  return /^-v+$/.test(arg) || arg === "--verbose";
}

/**
 * Takes the flag at argv[index], checked at once so that the first bad one stops podinit even
 * before a later --help; returns how many arguments it used, or the error.
 */
function takeFlag(argv: readonly string[], index: number, scanned: ScannedFlags): number | Failure {
  const read = readFlag(OPTIONS, argv, index);
  if (read.kind === "unknown") {
    return fail("ERR_OPTION_UNKNOWN", `unknown option '${read.name}' (see 'podinit --help')`);
  }
  const flag = `--${read.spec.flag}`;
  if (read.kind === "no-text") {
    return fail("ERR_OPTION_INVALID", `${flag}: needs a value (${read.spec.placeholder})`);
  }
  const problem = problemsIn(read.spec, flag, read.text)[0];
  if (problem !== undefined) return fail("ERR_OPTION_INVALID", problem);
  scanned.flags.set(read.spec.flag, [...(scanned.flags.get(read.spec.flag) ?? []), read.text]);
  if (read.spec === OPTIONS.logLevel) scanned.verbosity = 0;
  return read.used;
}

/** Options end at `--` or at the first argument that is not one; --help and --version end all. */
function scanFlags(argv: readonly string[]): ScannedFlags | StepResult {
  const scanned: ScannedFlags = { flags: new Map(), verbosity: 0, rest: [], separated: false };
  let index = 0;
  while (index < argv.length) {
    const arg = argv[index] ?? "";
    if (arg === "--") return { ...scanned, rest: argv.slice(index + 1), separated: true };
    if (arg === "-h" || arg === "--help") return { ok: true, invocation: { action: "help" } };
    if (arg === "-V" || arg === "--version") return { ok: true, invocation: { action: "version" } };
    if (isVerbosity(arg)) {
      scanned.verbosity += arg === "--verbose" ? 1 : arg.length - 1;
      index++;
      continue;
    }
    if (!arg.startsWith("-") || arg === "-") break;
    const used = takeFlag(argv, index, scanned);
    if (typeof used !== "number") return used;
    index += used;
  }
  return { ...scanned, rest: argv.slice(index) };
}

/** Each FROM once, in the order of the pairs that won: a later pair for a FROM replaces an earlier one. */
function lastPerFrom<T extends { readonly from: number }>(pairs: readonly T[]): readonly T[] {
  const last = new Map(pairs.map((pair, i) => [pair.from, i]));
  return pairs.filter((pair, i) => last.get(pair.from) === i);
}

/** The options a pod's annotation may set for its container, by their names in InitOptions. */
export type AnnotatedOption = "stopSignal" | "stopDelayMs" | "remapExit";

/**
 * One option's text from outside the command line (a pod's annotation), read exactly as podinit
 * reads its flag, a list split as its variable is: the value, or the first reason podinit refuses
 * it, for the caller to name with where the text came from.
 */
export function readOptionText<K extends AnnotatedOption>(
  key: K,
  text: string,
): { readonly value: InitOptions[K] } | string {
  const spec = OPTIONS[key];
  const parsed = parseEntries(spec, "repeatable" in spec ? splitList(text) : [text.trim()]);
  if (!("value" in parsed)) return parsed[0] ?? "not understood";
  const value = parsed.value as InitOptions[K];
  return { value: Array.isArray(value) ? (lastPerFrom(value) as InitOptions[K]) : value };
}

function raiseLevel(level: LogLevel, steps: number): LogLevel {
  return LOG_LEVELS[Math.min(LOG_LEVELS.indexOf(level) + steps, LOG_LEVELS.length - 1)] ?? level;
}

/**
 * The options from flags over variables over defaults (a list given by flags replaces the
 * variable's), every text having been checked already.
 */
function settled(
  scanned: ScannedFlags,
  env: Readonly<Record<string, string | undefined>>,
): InitOptions | Failure {
  const read = readSettings(OPTIONS, { flags: scanned.flags, env });
  if (read.values === null) return fail("ERR_OPTION_INVALID", read.problems[0] ?? "");
  const options = read.values;
  return Object.freeze({
    ...options,
    rewrites: lastPerFrom(options.rewrites),
    remapExit: lastPerFrom(options.remapExit),
    logLevel: raiseLevel(options.logLevel, scanned.verbosity),
  });
}

function checkConsistency(options: InitOptions): Failure | null {
  if (options.stopSignal !== null && options.rewrites.some(r => r.from === SIGTERM)) {
    return fail(
      "ERR_OPTION_INVALID",
      "--stop-signal and --rewrite TERM:… both change SIGTERM: use only one of them",
    );
  }
  return null;
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

/** Not fatal: a variable from other tooling must not stop the container from starting. */
function envWarnings(env: Readonly<Record<string, string | undefined>>): string[] {
  const known = rowsOf(OPTIONS)
    .map(spec => envName(spec.flag))
    .join(", ");
  return unknownVariables(OPTIONS, env).map(
    name => `ignoring unknown environment variable ${name} (podinit reads ${known})`,
  );
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
  // Every variable is checked, even one a flag overrides, and before the flags.
  const envProblem = readSettings(OPTIONS, { flags: new Map(), env }).problems[0];
  if (envProblem !== undefined) return fail("ERR_OPTION_INVALID", envProblem);
  const scanned = scanFlags(argv);
  if ("ok" in scanned) return scanned.ok ? { ...scanned, warnings: envWarnings(env) } : scanned;
  const options = settled(scanned, env);
  if ("ok" in options) return options;
  const result = checkConsistency(options) ?? invocationFor(scanned, options);
  return result.ok ? { ...result, warnings: envWarnings(env) } : result;
}

/** Each option's texts after `--flag=` that give `value`; none for the default. */
const FORMATS: { readonly [K in keyof InitOptions]: (value: InitOptions[K]) => readonly string[] } =
  {
    forward: v => (v === DEFAULT_OPTIONS.forward ? [] : [v]),
    stopSignal: v => (v === null ? [] : [signalName(v)]),
    rewrites: v => v.map(r => `${signalName(r.from)}:${r.to === 0 ? "none" : signalName(r.to)}`),
    gracePeriodMs: v => (v === null ? [] : [formatDuration(v)]),
    cleanupTimeoutMs: v => (v === DEFAULT_OPTIONS.cleanupTimeoutMs ? [] : [formatDuration(v)]),
    stopDelayMs: v => (v === 0 ? [] : [formatDuration(v)]),
    remapExit: v => v.map(r => `${r.from}:${r.to}`),
    logLevel: v => (v === DEFAULT_OPTIONS.logLevel ? [] : [v]),
  };

function flagsFor<K extends keyof InitOptions>(key: K, options: InitOptions): string[] {
  return FORMATS[key](options[key]).map(text => `--${OPTIONS[key].flag}=${text}`);
}

/** The flags that make podinit run with `options`, shortest form, without the `--` that follows. */
export function formatArgs(options: InitOptions): string[] {
  return (Object.keys(OPTIONS) as (keyof InitOptions)[]).flatMap(key => flagsFor(key, options));
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
  for (const spec of rowsOf(OPTIONS)) {
    lines.push(`  --${spec.flag}=${spec.placeholder}`.padEnd(34) + envName(spec.flag));
    lines.push(`      ${spec.help}`);
  }
  lines.push("  -v, --verbose                   log more (repeatable)");
  lines.push("  -h, --help                      show this text");
  lines.push("  -V, --version                   print the version");
  return lines.join("\n") + "\n";
}
