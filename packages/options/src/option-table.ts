// Settings as a table of rows that read flags and PODINIT_* variables, describe --help, name errors.
// Pure (no node: imports): podinit runs it under QuickJS, the webhook under Node.

/** A row's value, or why its text is not one: a reason, or several (one per bad entry of a list). */
export type Parsed<T> = { readonly value: T } | string | readonly string[];

export interface OptionSpec<T> {
  /** Without its dashes: `port` is `--port`, and its variable is PODINIT_PORT (envName). */
  readonly flag: string;
  readonly help: string;
  /**
   * The text used when neither the flag nor the variable is given, parsed like any other, so a
   * default the row refuses fails every test; null leaves the setting unset (its value null)
   * without any text the row would accept; undefined makes the setting required.
   */
  readonly fallback: string | null | undefined;
  /** Each flag is one entry, the variable a comma-separated list of them; the value lists them all. */
  readonly repeatable?: true;
  /** One text's value, or why it is wrong; without the setting's name, which the reader adds. */
  readonly parse: (text: string) => Parsed<T>;
}

/** Rows by the name their value takes; a nested table makes a nested value. */
export interface OptionTable {
  readonly [key: string]: OptionSpec<unknown> | OptionTable;
}

/** What a row's text parses to: every entry's value for a repeatable row; null when unset. */
export type ValueOf<S> = S extends { readonly parse: (text: string) => Parsed<infer T> }
  ? S extends { readonly repeatable: true }
    ? readonly T[]
    : S extends { readonly fallback: null }
      ? T | null
      : T
  : never;

/** The settings a table reads, typed row by row. */
export type Values<T extends OptionTable> = {
  readonly [K in keyof T]: T[K] extends OptionSpec<unknown>
    ? ValueOf<T[K]>
    : T[K] extends OptionTable
      ? Values<T[K]>
      : never;
};

/** Every row of a table, nested ones included, as their own types. */
export type SpecOf<T extends OptionTable> = OptionSpec<unknown> & RowOf<T>;

type RowOf<T extends OptionTable> = {
  [K in keyof T]: T[K] extends OptionSpec<unknown>
    ? T[K]
    : T[K] extends OptionTable
      ? RowOf<T[K]>
      : never;
}[keyof T];

export function envName(flag: string): string {
  return `PODINIT_${flag.toUpperCase().replaceAll("-", "_")}`;
}

function isSpec(entry: OptionSpec<unknown> | OptionTable): entry is OptionSpec<unknown> {
  return typeof entry["parse"] === "function";
}

/** The rows in the table's order, which is the order of --help and of the problems reported. */
export function rowsOf<T extends OptionTable>(table: T): SpecOf<T>[] {
  return Object.values(table).flatMap(entry =>
    isSpec(entry) ? [entry as SpecOf<T>] : (rowsOf(entry) as SpecOf<T>[]),
  );
}

/** `a, b,,c` → [a, b, c]: entries trimmed, empty ones dropped. */
export function splitList(text: string, separator = ","): string[] {
  return text
    .split(separator)
    .map(s => s.trim())
    .filter(s => s !== "");
}

/**
 * Kubernetes gives every container variables for each Service of its namespace (a Service named
 * `podinit` or `podinit-webhook` yields PODINIT_SERVICE_HOST, PODINIT_PORT, PODINIT_WEBHOOK_PORT_443_TCP…):
 * they share the prefix without being meant for podinit.
 */
const SERVICE_LINK =
  /_SERVICE_HOST$|_SERVICE_PORT(_[A-Z0-9_]+)?$|_PORT$|_PORT_[0-9]+_(TCP|UDP|SCTP)(_(PROTO|PORT|ADDR))?$/;

/**
 * A setting's variable that Kubernetes set for a Service (PODINIT_PORT=tcp://10.96.0.12:443 for a
 * Service named podinit), not the user: the setting then takes its flag or its default.
 */
function isServiceLink(variable: string, text: string): boolean {
  return SERVICE_LINK.test(variable) && text.startsWith("tcp://");
}

/** PODINIT_* variables that no row reads and no Service set: likely typos, worth a warning. */
export function unknownVariables<T extends OptionTable>(
  table: T,
  env: Readonly<Record<string, string | undefined>>,
): string[] {
  const known = new Set(rowsOf(table).map(spec => envName(spec.flag)));
  return Object.entries(env)
    .filter(([name, text]) => text !== undefined && name.startsWith("PODINIT_"))
    .map(([name]) => name)
    .filter(name => !known.has(name) && !SERVICE_LINK.test(name));
}

/** One command-line argument read as a flag of the table; the caller words the errors. */
export type FlagRead<S> =
  | { readonly kind: "text"; readonly spec: S; readonly text: string; readonly used: 1 | 2 }
  | { readonly kind: "unknown"; readonly name: string }
  | { readonly kind: "no-text"; readonly spec: S };

/** The flag at argv[index], as `--flag value` or `--flag=value`. */
export function readFlag<T extends OptionTable>(
  table: T,
  argv: readonly string[],
  index: number,
): FlagRead<SpecOf<T>> {
  const arg = argv[index] ?? "";
  const equals = arg.indexOf("=");
  const name = equals === -1 ? arg : arg.slice(0, equals);
  const spec = name.startsWith("--")
    ? rowsOf(table).find(row => row.flag === name.slice(2))
    : undefined;
  if (spec === undefined) return { kind: "unknown", name };
  const text = equals === -1 ? argv[index + 1] : arg.slice(equals + 1);
  if (text === undefined) return { kind: "no-text", spec };
  return { kind: "text", spec, text, used: equals === -1 ? 2 : 1 };
}

/** Why `text` is wrong for `spec`, each reason naming `source`; none when it is right. */
export function problemsIn(spec: OptionSpec<unknown>, source: string, text: string): string[] {
  const parsed = parseEntries(spec, [text]);
  return "value" in parsed ? [] : parsed.map(reason => `${source}: ${reason}`);
}

/** The texts a program was given: each flag's, in order, by its name without dashes; the environment. */
export interface Texts {
  readonly flags: ReadonlyMap<string, readonly string[]>;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** One setting as read: its value (undefined when its text was wrong) and where its text came from. */
export interface Setting<V> {
  readonly value: V | undefined;
  /** `--flag`, or the variable when the text came from one. */
  readonly name: string;
}

export interface Reading<T extends OptionTable> {
  /** Every setting, once none has a problem. */
  readonly values: Values<T> | null;
  /** In the table's order, each naming the flag or the variable its text came from. */
  readonly problems: readonly string[];
  /** Service links that stood where a setting's variable was, ignored, for the caller to log. */
  readonly notices: readonly string[];
  /** One row's setting, for the checks across settings, which also run when others are wrong. */
  setting<S extends OptionSpec<unknown>>(spec: S): Setting<ValueOf<S>>;
}

interface Found {
  readonly source: string;
  readonly entries: readonly string[];
}

/** Neither flag nor variable given, for a row whose default is to be unset. */
const UNSET = Symbol("unset");

/** Flags win over the variable, and the variable over the fallback; a row's last flag wins. */
function textsOf(
  spec: OptionSpec<unknown>,
  texts: Texts,
  notices: string[],
): Found | typeof UNSET | null {
  const entries = (text: string): string[] => (spec.repeatable ? splitList(text) : [text]);
  const flagged = texts.flags.get(spec.flag) ?? [];
  if (flagged.length > 0) {
    return { source: `--${spec.flag}`, entries: spec.repeatable ? flagged : flagged.slice(-1) };
  }
  const variable = envName(spec.flag);
  const text = texts.env[variable];
  if (text !== undefined) {
    if (!isServiceLink(variable, text)) return { source: variable, entries: entries(text) };
    notices.push(
      `${variable}='${text}' looks like a Kubernetes service link and is ignored; set enableServiceLinks: false`,
    );
  }
  if (spec.fallback === null) return UNSET;
  return spec.fallback === undefined
    ? null
    : { source: `--${spec.flag}`, entries: entries(spec.fallback) };
}

interface ReadState {
  readonly texts: Texts;
  readonly problems: string[];
  readonly notices: string[];
  readonly settings: Map<OptionSpec<unknown>, Setting<unknown>>;
}

/** A row's value from its entries (one text, or each of a repeatable row's), or the reasons, not yet named. */
export function parseEntries<S extends OptionSpec<unknown>>(
  spec: S,
  entries: readonly string[],
): { readonly value: ValueOf<S> } | readonly string[] {
  const values: unknown[] = [];
  const reasons: string[] = [];
  for (const entry of entries) {
    const parsed = spec.parse(entry);
    if (typeof parsed === "string") reasons.push(parsed);
    else if ("value" in parsed) values.push(parsed.value);
    else reasons.push(...parsed);
  }
  if (reasons.length > 0) return reasons;
  return { value: (spec.repeatable ? Object.freeze(values) : values[0]) as ValueOf<S> };
}

function readRow(spec: OptionSpec<unknown>, state: ReadState): Setting<unknown> {
  const found = textsOf(spec, state.texts, state.notices);
  if (found === null) {
    state.problems.push(`--${spec.flag} (or ${envName(spec.flag)}) is required: ${spec.help}`);
    return { value: undefined, name: `--${spec.flag}` };
  }
  if (found === UNSET) return { value: null, name: `--${spec.flag}` };
  const parsed = parseEntries(spec, found.entries);
  if ("value" in parsed) return { value: parsed.value, name: found.source };
  state.problems.push(...parsed.map(reason => `${found.source}: ${reason}`));
  return { value: undefined, name: found.source };
}

function readTable(table: OptionTable, state: ReadState): Readonly<Record<string, unknown>> {
  const values: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(table)) {
    if (!isSpec(entry)) {
      values[key] = readTable(entry, state);
      continue;
    }
    const setting = readRow(entry, state);
    state.settings.set(entry, setting);
    values[key] = setting.value;
  }
  return Object.freeze(values);
}

/** Reads and checks every row; all problems are reported together, so one restart fixes them. */
export function readSettings<T extends OptionTable>(table: T, texts: Texts): Reading<T> {
  const state: ReadState = { texts, problems: [], notices: [], settings: new Map() };
  const values = readTable(table, state);
  return {
    // Complete once nothing failed: every row then holds its value.
    values: state.problems.length === 0 ? (values as Values<T>) : null,
    problems: state.problems,
    notices: state.notices,
    setting: <S extends OptionSpec<unknown>>(spec: S) =>
      (state.settings.get(spec) ?? { value: undefined, name: `--${spec.flag}` }) as Setting<
        ValueOf<S>
      >,
  };
}

/**
 * The table's defaults. A fallback its own row refuses is a bug in the table, which every test run
 * meets at once, not a user's mistake: so this throws.
 */
export function defaults<T extends OptionTable>(table: T): Values<T> {
  const reading = readSettings(table, { flags: new Map(), env: {} });
  if (reading.values === null) throw new Error(`bad option table: ${reading.problems.join("; ")}`);
  return reading.values;
}
