import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_OPTIONS,
  formatArgs,
  helpText,
  parseArgs,
  type InitOptions,
} from "../../init/src/options.js";

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
