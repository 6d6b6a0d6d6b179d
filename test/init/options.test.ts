import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { formatArgs, helpText, parseArgs } from "#options/options.js";
import {
  defaults,
  envName,
  readFlag,
  readSettings,
  rowsOf,
  splitList,
  unknownVariables,
  type OptionTable,
  type Parsed,
} from "#options/option-table.js";
import { oneOf } from "#options/option-values.js";
import { DEFAULT_OPTIONS, OPTIONS, type InitOptions } from "#options/podinit-options.js";

function run(argv: string[], env: Record<string, string> = {}) {
  const result = parseArgs(argv, env);
  if (!result.ok) throw new Error(`expected success, got ${result.error.message}`);
  if (result.invocation.action !== "run")
    throw new Error(`expected run, got ${result.invocation.action}`);
  return result.invocation;
}

function failure(argv: string[], env: Record<string, string> = {}) {
  const result = parseArgs(argv, env);
  if (result.ok) throw new Error("expected a parse error");
  return result.error;
}

const SAMPLES: InitOptions[] = [
  DEFAULT_OPTIONS,
  { ...DEFAULT_OPTIONS, gracePeriodMs: 28_000, stopSignal: 3 },
  {
    ...DEFAULT_OPTIONS,
    forward: "child",
    cleanupTimeoutMs: 1500,
    stopDelayMs: 5000,
    logLevel: "debug",
  },
  {
    ...DEFAULT_OPTIONS,
    rewrites: [
      { from: 1, to: 0 },
      { from: 10, to: 36 },
    ],
    remapExit: [
      { from: 143, to: 0 },
      { from: 3, to: 4 },
    ],
    gracePeriodMs: 1500,
  },
];

describe("formatArgs and parseArgs", () => {
  it.each(SAMPLES.map((o, i) => [i, o] as const))("round-trip sample %i", (_i, options) => {
    const command = ["sh", "-c", "exec nginx -g 'daemon off;'", "--grace-period=1s"];
    const parsed = run([...formatArgs(options), "--", ...command]);
    expect(parsed.options).toEqual(options);
    expect(parsed.command).toEqual(command);
  });

  it("formats nothing for the defaults, so injected commands stay short", () => {
    expect(formatArgs(DEFAULT_OPTIONS)).toEqual([]);
  });

  it("formats canonical names and durations", () => {
    expect(formatArgs({ ...DEFAULT_OPTIONS, gracePeriodMs: 25_000, stopSignal: 3 })).toEqual([
      "--stop-signal=QUIT",
      "--grace-period=25s",
    ]);
  });
});

describe("parseArgs", () => {
  it("stops at the first non-option so `podinit sh -c` needs no --", () => {
    expect(run(["-v", "sh", "-c", "echo --grace-period=x"]).command).toEqual([
      "sh",
      "-c",
      "echo --grace-period=x",
    ]);
  });

  it("runs a program named install when it follows --", () => {
    expect(run(["--", "install", "-m", "0755"]).command).toEqual(["install", "-m", "0755"]);
  });

  it("parses the install subcommand", () => {
    const result = parseArgs(["install", "/podinit/bin/podinit"]);
    expect(result).toMatchObject({
      ok: true,
      invocation: { action: "install", destination: "/podinit/bin/podinit" },
    });
  });

  it("accepts values after a space or an equals sign", () => {
    expect(run(["--grace-period", "1m30s", "--stop-signal=SIGQUIT", "x"]).options).toMatchObject({
      gracePeriodMs: 90_000,
      stopSignal: 3,
    });
  });

  it("reads every option from PODINIT_* variables, flags winning", () => {
    const env = {
      PODINIT_GRACE_PERIOD: "10s",
      PODINIT_FORWARD: "child",
      PODINIT_REWRITE: "HUP:none,USR1:USR2",
      PODINIT_REMAP_EXIT: "143:0",
      PODINIT_STOP_DELAY: "2s",
      PODINIT_CLEANUP_TIMEOUT: "1s",
      PODINIT_LOG_LEVEL: "info",
    };
    const fromEnv = run(["x"], env).options;
    expect(fromEnv).toEqual({
      forward: "child",
      stopSignal: null,
      rewrites: [
        { from: 1, to: 0 },
        { from: 10, to: 12 },
      ],
      gracePeriodMs: 10_000,
      cleanupTimeoutMs: 1000,
      stopDelayMs: 2000,
      remapExit: [{ from: 143, to: 0 }],
      logLevel: "info",
    });
    const overridden = run(["--grace-period=3s", "--rewrite=INT:TERM", "-v", "x"], env).options;
    expect(overridden.gracePeriodMs).toBe(3000);
    expect(overridden.rewrites).toEqual([{ from: 2, to: 15 }]);
    expect(overridden.logLevel).toBe("debug");
  });

  it.each([
    [["--frobnicate", "x"], "ERR_OPTION_UNKNOWN", "--frobnicate"],
    [["--grace-period=-5s", "x"], "ERR_OPTION_INVALID", "--grace-period"],
    [["--grace-period=0", "x"], "ERR_OPTION_INVALID", "--grace-period"],
    [["--stop-signal=KILL", "x"], "ERR_OPTION_INVALID", "--stop-signal"],
    [["--stop-signal=SIGNOPE", "x"], "ERR_OPTION_INVALID", "SIGNOPE"],
    [["--stop-signal=", "x"], "ERR_OPTION_INVALID", "--stop-signal"],
    [["--rewrite=TERM", "x"], "ERR_OPTION_INVALID", "--rewrite"],
    [["--rewrite=CHLD:TERM", "x"], "ERR_OPTION_INVALID", "CHLD"],
    [["--remap-exit=143:256", "x"], "ERR_OPTION_INVALID", "--remap-exit"],
    [["--forward=everyone", "x"], "ERR_OPTION_INVALID", "--forward"],
    [["--log-level=loud", "x"], "ERR_OPTION_INVALID", "--log-level"],
    [["--grace-period"], "ERR_OPTION_INVALID", "needs a value"],
    [["--stop-signal=QUIT", "--rewrite=TERM:INT", "x"], "ERR_OPTION_INVALID", "only one"],
    [[], "ERR_USAGE", "no command"],
    [["--"], "ERR_USAGE", "no command"],
    [["install"], "ERR_USAGE", "install DEST"],
  ])("rejects %j with %s naming %s", (argv, code, mention) => {
    const error = failure(argv);
    expect(error.code).toBe(code);
    expect(error.message).toContain(mention);
  });

  it("rejects a malformed PODINIT_* variable, naming it", () => {
    const error = failure(["x"], { PODINIT_GRACE_PERIOD: "soon" });
    expect(error.code).toBe("ERR_OPTION_INVALID");
    expect(error.message).toContain("PODINIT_GRACE_PERIOD");
    expect(failure(["x"], { PODINIT_STOP_SIGNAL: "" }).message).toContain("PODINIT_STOP_SIGNAL");
  });

  it("starts anyway with an unknown PODINIT_* variable, warning about it by name", () => {
    const result = parseArgs(["x"], { PODINIT_GRACEPERIOD: "5s", PODINIT_DEBIAN_MIRROR: "m" });
    if (!result.ok) throw new Error(result.error.message);
    expect(result.invocation).toMatchObject({ action: "run", command: ["x"] });
    expect(result.warnings).toHaveLength(2);
    expect(result.warnings[0]).toMatch(
      /^ignoring unknown environment variable PODINIT_GRACEPERIOD \(podinit reads .*PODINIT_GRACE_PERIOD/,
    );
    expect(result.warnings[1]).toContain("PODINIT_DEBIAN_MIRROR");
  });

  it("ignores without a word the variables Kubernetes sets for Services named podinit", () => {
    // What the kubelet injects for Services `podinit` (port 443) and `podinit-webhook` (port named https).
    const serviceLinks = {
      PODINIT_SERVICE_HOST: "10.96.0.10",
      PODINIT_SERVICE_PORT: "443",
      PODINIT_PORT: "tcp://10.96.0.10:443",
      PODINIT_PORT_443_TCP: "tcp://10.96.0.10:443",
      PODINIT_PORT_443_TCP_PROTO: "tcp",
      PODINIT_PORT_443_TCP_PORT: "443",
      PODINIT_PORT_443_TCP_ADDR: "10.96.0.10",
      PODINIT_WEBHOOK_SERVICE_HOST: "10.96.0.11",
      PODINIT_WEBHOOK_SERVICE_PORT_HTTPS: "443",
      PODINIT_WEBHOOK_PORT_8443_UDP_ADDR: "10.96.0.11",
    };
    const result = parseArgs(["x"], serviceLinks);
    expect(result).toMatchObject({ ok: true, warnings: [] });
  });

  it("answers --help and --version before anything else", () => {
    expect(parseArgs(["--help", "--bogus"])).toEqual({
      ok: true,
      invocation: { action: "help" },
      warnings: [],
    });
    expect(parseArgs(["-V"])).toEqual({
      ok: true,
      invocation: { action: "version" },
      warnings: [],
    });
  });
});

describe("documentation", () => {
  it("the README documents every option and environment variable podinit accepts", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    const help = helpText("test");
    const names = [...help.matchAll(/(--[a-z-]+)=|(PODINIT_[A-Z_]+)/g)].map(
      m => m[1] ?? m[2] ?? "",
    );
    expect(names.length).toBeGreaterThan(10);
    for (const name of names) expect(readme, `${name} is missing from README.md`).toContain(name);
  });
});

describe("the option table", () => {
  const TABLE = {
    port: {
      flag: "port",
      help: "a port",
      fallback: "80",
      parse: (text: string): Parsed<number> =>
        /^[0-9]+$/.test(text) ? { value: Number(text) } : `'${text}' is not a number`,
    },
    name: { flag: "name", help: "a name", fallback: undefined, parse: oneOf(["a", "b"]) },
    nested: {
      tags: {
        flag: "tag",
        help: "tags",
        fallback: "x",
        repeatable: true,
        parse: (text: string): Parsed<string> => ({ value: text }),
      },
      hosts: {
        flag: "hosts",
        help: "hosts",
        fallback: "",
        parse: (text: string): Parsed<readonly string[]> => {
          const bad = splitList(text).filter(h => h.includes("/"));
          return bad.length > 0 ? bad.map(h => `'${h}' is a path`) : { value: splitList(text) };
        },
      },
    },
  } satisfies OptionTable;

  const read = (flags: Record<string, string[]>, env: Record<string, string> = {}) =>
    readSettings(TABLE, { flags: new Map(Object.entries(flags)), env });

  it("types and nests the values as the table does, flags winning over variables over fallbacks", () => {
    const reading = read(
      { name: ["b"], tag: ["t1", "t2"] },
      { PODINIT_PORT: "8080", PODINIT_NAME: "a" },
    );
    expect(reading.problems).toEqual([]);
    const values = reading.values;
    if (values === null) throw new Error("expected values");
    const port: number = values.port;
    const tags: readonly string[] = values.nested.tags;
    expect([port, values.name, tags, values.nested.hosts]).toEqual([8080, "b", ["t1", "t2"], []]);
    expect(Object.isFrozen(values) && Object.isFrozen(values.nested)).toBe(true);
    expect(read({ name: ["a"] }, { PODINIT_TAG: "u1, u2,," }).values?.nested.tags).toEqual([
      "u1",
      "u2",
    ]);
  });

  it("names the flag or the variable a text came from, once per bad entry, and asks for required rows", () => {
    const reading = read({ port: ["x"] }, { PODINIT_HOSTS: "ok, a/b, c/d" });
    expect(reading.values).toBeNull();
    expect(reading.problems).toEqual([
      "--port: 'x' is not a number",
      "--name (or PODINIT_NAME) is required: a name",
      "PODINIT_HOSTS: 'a/b' is a path",
      "PODINIT_HOSTS: 'c/d' is a path",
    ]);
    expect(reading.setting(TABLE.port)).toEqual({ value: undefined, name: "--port" });
    expect(reading.setting(TABLE.nested.tags)).toEqual({ value: ["x"], name: "--tag" });
  });

  it("ignores a Kubernetes service link where a setting's variable should be, with a notice", () => {
    const reading = read({ name: ["a"] }, { PODINIT_PORT: "tcp://10.0.0.1:443" });
    expect(reading.values?.port).toBe(80);
    expect(reading.notices).toEqual([
      "PODINIT_PORT='tcp://10.0.0.1:443' looks like a Kubernetes service link and is ignored; set enableServiceLinks: false",
    ]);
    expect(
      unknownVariables(TABLE, { PODINIT_PORTS: "1", PODINIT_X_SERVICE_HOST: "h", PODINIT_TAG: "" }),
    ).toEqual(["PODINIT_PORTS"]);
  });

  it("reads one flag in either form, and says what is wrong with it", () => {
    expect(readFlag(TABLE, ["--port=1"], 0)).toMatchObject({ kind: "text", text: "1", used: 1 });
    expect(readFlag(TABLE, ["--tag", "t"], 0)).toMatchObject({ kind: "text", text: "t", used: 2 });
    expect(readFlag(TABLE, ["--tag"], 0)).toMatchObject({ kind: "no-text" });
    expect(readFlag(TABLE, ["--nested=1"], 0)).toEqual({ kind: "unknown", name: "--nested" });
    expect(rowsOf(TABLE).map(row => envName(row.flag))).toEqual([
      "PODINIT_PORT",
      "PODINIT_NAME",
      "PODINIT_TAG",
      "PODINIT_HOSTS",
    ]);
  });

  it("refuses a table whose fallback its own row rejects", () => {
    expect(() => defaults({ n: { ...TABLE.port, fallback: "many" } })).toThrow(
      "bad option table: --port: 'many' is not a number",
    );
  });

  it("gives podinit's defaults from its table: no stop signal unless one is given", () => {
    expect(defaults(OPTIONS)).toEqual(DEFAULT_OPTIONS);
    expect(DEFAULT_OPTIONS.stopSignal).toBeNull();
  });
});
