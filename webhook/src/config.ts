// The webhook's settings from flags and PODINIT_* variables, validated once and frozen.

import { isIP } from "node:net";
import { formatDuration, parseDuration } from "../../init/src/duration.js";
import type { ConnectionLimits } from "./connection-limits.js";
import { parseByteSize, parsePositiveDuration } from "./setting-values.js";
import { webhookError, type WebhookError } from "./errors.js";
import { parseInstallerResources } from "./mutation/installer-fit.js";
import {
  DEFAULT_EXCLUDED_NAMESPACES,
  DEFAULT_INJECTOR_CONTAINERS,
  DEFAULT_INSTALLER_LIMITS,
  DEFAULT_INSTALLER_REQUESTS,
  DEFAULT_INSTALLER_USER,
  DEFAULT_PID1_ENTRYPOINTS,
  CONFIGURED_MODES,
  type ConfiguredMode,
  type InstallerResources,
  type MutationSettings,
} from "./mutation/settings.js";
import {
  parseRegistrySettings,
  REGISTRY_FLAGS,
  type RegistrySettings,
} from "./registry/registry-settings.js";

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly tlsCertFile: string;
  readonly tlsKeyFile: string;
  /** How often the key pair is re-read even without a file event; 0 turns polling off. */
  readonly tlsReloadIntervalMs: number;
  readonly bodyLimitBytes: number;
  /** The most bytes of reviews held at once, over every connection. */
  readonly bodyBudgetBytes: number;
  readonly logLevel: LogLevel;
  /** After SIGTERM, how long /readyz reports not-ready before the server stops accepting. */
  readonly shutdownDelayMs: number;
  /** After the shutdown delay, how long in-flight reviews get before their connections are cut. */
  readonly drainTimeoutMs: number;
  readonly connections: ConnectionLimits;
  readonly mutation: MutationSettings;
  /** As configured; mutation.injectionMode is where `auto` starts (initContainer). */
  readonly injectionMode: ConfiguredMode;
  /** Where `auto` finds the node probes' pods. */
  readonly nodeProbes: { readonly namespace: string; readonly selector: string };
  readonly registry: RegistrySettings;
}

export type ConfigResult =
  | { readonly ok: true; readonly config: Config; readonly notices: readonly string[] }
  | { readonly ok: false; readonly errors: readonly WebhookError[] };

type Value = string | number | readonly string[] | null;

interface SettingSpec {
  readonly flag: string;
  readonly help: string;
  /** The default as the user would type it; undefined makes the setting required. */
  readonly fallback: string | undefined;
  /** The parsed value, or a string saying why the text is wrong. */
  readonly parse: (text: string) => { readonly value: Value } | string;
}

const QUANTITY = /^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|k|M|G)?$/;

function integer(min: number, max: number): SettingSpec["parse"] {
  return text => {
    const n = Number(text);
    if (!/^[0-9]+$/.test(text.trim()) || n < min || n > max) {
      return `'${text}' is not a whole number from ${min} to ${max}`;
    }
    return { value: n };
  };
}

function duration(text: string): { value: number } | string {
  const ms = parseDuration(text);
  return ms === null ? `'${text}' is not a duration like 30s, 500ms or 1m` : { value: ms };
}

/** The connection bounds: above zero (zero means "none" to Node), at most ten minutes. */
const MAX_BOUND_MS = 600_000;

function bound(text: string): { value: number } | string {
  const ms = parsePositiveDuration(text, MAX_BOUND_MS);
  return ms === null
    ? `'${text}' is not a duration from 1ms to 10m, like 10s or 500ms`
    : { value: ms };
}

/**
 * An address, not a name: Fastify listens on every address a name resolves to with a server of its
 * own, and the connection bounds and the drain would hold on the first one only.
 */
function ipAddress(text: string): { value: string } | string {
  return isIP(text.trim()) === 0
    ? `'${text}' is not an IP address (0.0.0.0, ::, 127.0.0.1, …); a name such as localhost may stand for several`
    : { value: text.trim() };
}

function nonEmpty(text: string): { value: string } | string {
  return text.trim() === "" || /\s/.test(text.trim())
    ? `'${text}' must be one word, not empty`
    : { value: text.trim() };
}

function absolutePath(text: string): { value: string } | string {
  const path = text.trim().replace(/\/+$/, "");
  return path.startsWith("/") && path !== "" && !path.includes("..")
    ? { value: path }
    : `'${text}' is not an absolute path other than /`;
}

function list(text: string): { value: readonly string[] } {
  return {
    value: Object.freeze(
      text
        .split(",")
        .map(s => s.trim())
        .filter(s => s !== ""),
    ),
  };
}

function oneOf(options: readonly string[], optional: boolean): SettingSpec["parse"] {
  return text => {
    if (optional && text === "") return { value: null };
    return options.includes(text)
      ? { value: text }
      : `'${text}' is not one of ${options.join(", ")}`;
  };
}

const SPECS: readonly SettingSpec[] = [
  {
    flag: "port",
    help: "HTTPS port (0 picks a free one)",
    fallback: "8443",
    parse: integer(0, 65535),
  },
  { flag: "host", help: "IP address to listen on", fallback: "0.0.0.0", parse: ipAddress },
  { flag: "tls-cert", help: "PEM certificate chain file", fallback: undefined, parse: nonEmpty },
  { flag: "tls-key", help: "PEM private key file", fallback: undefined, parse: nonEmpty },
  {
    flag: "tls-reload-interval",
    help: "re-read the key pair this often (0: only on file events)",
    fallback: "60s",
    parse: duration,
  },
  {
    flag: "init-image",
    help: "image holding the podinit binary",
    fallback: undefined,
    parse: nonEmpty,
  },
  {
    flag: "init-image-pull-policy",
    help: "Always, IfNotPresent or Never (default: Kubernetes')",
    fallback: "",
    parse: oneOf(["Always", "IfNotPresent", "Never"], true),
  },
  {
    flag: "binary-path",
    help: "path of podinit inside the init image",
    fallback: "/podinit",
    parse: absolutePath,
  },
  {
    flag: "mount-path",
    help: "where the podinit volume is mounted in pods",
    fallback: "/.podinit",
    parse: absolutePath,
  },
  {
    flag: "volume-size-limit",
    help: "sizeLimit of the podinit emptyDir",
    fallback: "8Mi",
    parse: text =>
      QUANTITY.test(text.trim()) ? { value: text.trim() } : `'${text}' is not a quantity like 8Mi`,
  },
  {
    flag: "exclude-namespaces",
    help: "namespaces never injected (comma-separated)",
    fallback: DEFAULT_EXCLUDED_NAMESPACES.join(","),
    parse: list,
  },
  {
    flag: "injector-containers",
    help: "other injectors' containers left unwrapped",
    fallback: DEFAULT_INJECTOR_CONTAINERS.join(","),
    parse: list,
  },
  {
    flag: "pid1-entrypoints",
    help: "entrypoints that must be PID 1 themselves",
    fallback: DEFAULT_PID1_ENTRYPOINTS.join(","),
    parse: list,
  },
  {
    flag: "grace-margin",
    help: "taken off terminationGracePeriodSeconds for podinit's grace period",
    fallback: "2s",
    parse: duration,
  },
  {
    flag: "injection-mode",
    help: "initContainer (copy podinit into an emptyDir), imageVolume (mount its image; Kubernetes >= 1.35 and a runtime that mounts image volumes) or auto (imageVolume once every Linux node runs a Ready node probe)",
    fallback: "initContainer",
    parse: oneOf(CONFIGURED_MODES, false),
  },
  {
    flag: "node-probe-namespace",
    help: "namespace of the node probes that --injection-mode=auto watches (the chart's release namespace)",
    fallback: "",
    parse: text => ({ value: text.trim() }),
  },
  {
    flag: "node-probe-selector",
    help: "label selector of the node probe pods",
    fallback: "app.kubernetes.io/component=node-probe",
    parse: nonEmpty,
  },
  {
    flag: "installer-user",
    help: "runAsUser of podinit-install in pods that run as root (the init image's USER)",
    fallback: String(DEFAULT_INSTALLER_USER),
    parse: integer(1, 2_147_483_647),
  },
  {
    flag: "installer-requests",
    help: "podinit-install's requests in Burstable pods",
    fallback: DEFAULT_INSTALLER_REQUESTS,
    parse: text => ({ value: text }),
  },
  {
    flag: "installer-limits",
    help: "podinit-install's limits in Burstable pods, and its most in Guaranteed ones",
    fallback: DEFAULT_INSTALLER_LIMITS,
    parse: text => ({ value: text }),
  },
  {
    flag: "body-limit",
    help: "largest review accepted, in bytes (Ki and Mi suffixes allowed)",
    fallback: "3Mi",
    parse: text => {
      const bytes = parseByteSize(text);
      return bytes !== null && bytes >= 1024 && bytes <= 64 * 1024 ** 2
        ? { value: bytes }
        : `'${text}' is not a size from 1Ki to 64Mi`;
    },
  },
  // max-connections × body-limit (384 MiB by default) is the chart's whole memory limit, and
  // stalled clients could hold that much: the budget bounds the sum instead.
  {
    flag: "body-budget",
    help: "the most bytes of reviews held at once over every connection (at least --body-limit); a review past it gets 503 ERR_BUSY",
    fallback: "32Mi",
    parse: text => {
      const bytes = parseByteSize(text);
      return bytes !== null && bytes >= 1024 && bytes <= 1024 ** 3
        ? { value: bytes }
        : `'${text}' is not a size from 1Ki to 1024Mi`;
    },
  },
  {
    flag: "log-level",
    help: LOG_LEVELS.join(", "),
    fallback: "info",
    parse: oneOf(LOG_LEVELS, false),
  },
  {
    flag: "shutdown-delay",
    help: "after SIGTERM, report not-ready this long before closing",
    fallback: "3s",
    parse: duration,
  },
  {
    flag: "drain-timeout",
    help: "after the shutdown delay, wait at most this long for in-flight reviews, then cut their connections",
    fallback: "10s",
    parse: bound,
  },
  // The API server waits at most 30 s for a webhook (timeoutSeconds, 10 s by default), so a
  // request slower than that has been given up by its caller.
  {
    flag: "headers-timeout",
    help: "longest a client may take to send a request's headers, from the connection's start or the request's first byte",
    fallback: "10s",
    parse: bound,
  },
  {
    flag: "request-timeout",
    help: "longest a client may take to send a whole request, body included",
    fallback: "30s",
    parse: bound,
  },
  // The API server (client-go) closes a connection idle for 90 s itself; waiting longer leaves that
  // to it, so it never sends a review on a connection the webhook is closing.
  {
    flag: "keep-alive-timeout",
    help: "close a kept-alive connection idle this long",
    fallback: "100s",
    parse: bound,
  },
  {
    flag: "max-connections",
    help: "connections open at once; one more is closed when accepted",
    fallback: "128",
    parse: integer(1, 65535),
  },
  // Checked together by parseRegistrySettings once every text is known.
  ...REGISTRY_FLAGS.map(f => ({ ...f, parse: (text: string) => ({ value: text }) })),
];

const REGISTRY_FLAG_NAMES: ReadonlySet<string> = new Set(REGISTRY_FLAGS.map(f => f.flag));

const SPEC_BY_FLAG: ReadonlyMap<string, SettingSpec> = new Map(SPECS.map(s => [s.flag, s]));

export function envName(flag: string): string {
  return `PODINIT_${flag.toUpperCase().replaceAll("-", "_")}`;
}

/** `--help` text, generated from the same table that parses the settings. */
export function configHelp(): string {
  const lines = ["usage: podinit-webhook [--setting=value ...]", ""];
  for (const spec of SPECS) {
    const fallback =
      spec.fallback === undefined ? "required" : `default ${spec.fallback || "unset"}`;
    lines.push(`  --${spec.flag} (${envName(spec.flag)}): ${spec.help}; ${fallback}`);
  }
  return lines.join("\n") + "\n";
}

/** Flags as `--name value` or `--name=value`; returns texts by flag, or an error. */
function readFlags(argv: readonly string[]): Map<string, string> | WebhookError {
  const texts = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    const match = /^--([a-z0-9-]+)(?:=(.*))?$/s.exec(arg);
    const flag = match?.[1];
    if (match === null || flag === undefined || !SPEC_BY_FLAG.has(flag)) {
      return webhookError("ERR_CONFIG_INVALID", `unknown argument '${arg}' (see --help)`);
    }
    const value = match[2] ?? argv[++i];
    if (value === undefined) return webhookError("ERR_CONFIG_INVALID", `--${flag} needs a value`);
    texts.set(flag, value);
  }
  return texts;
}

/**
 * Reads and checks every setting; flags win over the environment. All problems are reported
 * together, each naming the flag or variable, so one restart fixes them all.
 */
export function loadConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  version: string,
): ConfigResult {
  const flags = readFlags(argv);
  if (!(flags instanceof Map)) return { ok: false, errors: [flags] };
  const errors: WebhookError[] = [];
  const notices: string[] = [];
  const values = new Map<string, Value>();
  const sources = new Map<string, string>();
  for (const spec of SPECS) {
    const variable = envName(spec.flag);
    let text = flags.get(spec.flag);
    let source = `--${spec.flag}`;
    if (text === undefined && env[variable] !== undefined) {
      text = env[variable];
      source = variable;
      // Kubernetes' service links define PODINIT_PORT=tcp://… for a Service named "podinit".
      if (spec.flag === "port" && text !== undefined && text.startsWith("tcp://")) {
        notices.push(
          `${variable}='${text}' looks like a Kubernetes service link and is ignored; set enableServiceLinks: false`,
        );
        text = undefined;
      }
    }
    text ??= spec.fallback;
    sources.set(spec.flag, source);
    if (text === undefined) {
      errors.push(
        webhookError(
          "ERR_CONFIG_INVALID",
          `--${spec.flag} (or ${variable}) is required: ${spec.help}`,
        ),
      );
      continue;
    }
    const parsed = spec.parse(text);
    if (typeof parsed === "string")
      errors.push(webhookError("ERR_CONFIG_INVALID", `${source}: ${parsed}`));
    else values.set(spec.flag, parsed.value);
  }
  const registry = parseRegistrySettings(
    Object.fromEntries([...REGISTRY_FLAG_NAMES].map(flag => [flag, values.get(flag) as string])),
  );
  if (!registry.ok) errors.push(...registry.errors.map(m => namingSource(m, sources)));
  const installer = installerResources(values, sources, errors);
  errors.push(...nodeProbesProblem(values, sources));
  errors.push(...boundsProblem(values, sources));
  if (errors.length > 0 || !registry.ok || installer === null) return { ok: false, errors };
  notices.push(...drainNotice(values, registry.settings, sources));
  return { ok: true, config: buildConfig(values, registry.settings, installer, version), notices };
}

/** auto watches the node probes, so it must know their namespace. */
function nodeProbesProblem(
  values: ReadonlyMap<string, Value>,
  sources: ReadonlyMap<string, string>,
): WebhookError[] {
  if (values.get("injection-mode") !== "auto" || values.get("node-probe-namespace") !== "")
    return [];
  const namespace = sources.get("node-probe-namespace") ?? "--node-probe-namespace";
  const mode = sources.get("injection-mode") ?? "--injection-mode";
  return [
    webhookError(
      "ERR_CONFIG_INVALID",
      `${namespace} is required with ${mode}=auto: the namespace whose node probes prove image volumes (the chart sets it)`,
    ),
  ];
}

/**
 * A review whose lookups still run when the shutdown delay ends needs up to --lookup-timeout more
 * to be answered; a shorter drain cuts it. Only a notice: the review then fails as a timeout would.
 */
function drainNotice(
  values: ReadonlyMap<string, Value>,
  registry: RegistrySettings,
  sources: ReadonlyMap<string, string>,
): string[] {
  const drain = values.get("drain-timeout");
  if (typeof drain !== "number" || drain > registry.lookupTimeoutMs) return [];
  const name = (flag: string): string => sources.get(flag) ?? `--${flag}`;
  return [
    `${name("drain-timeout")} (${formatDuration(drain)}) is not above ${name("lookup-timeout")} (${formatDuration(registry.lookupTimeoutMs)}): on shutdown, a review still waiting for its image lookups may have its connection cut`,
  ];
}

/** Settings that bound one another: each `within` may not exceed its `bound`. */
const NESTED_BOUNDS: readonly {
  readonly within: string;
  readonly bound: string;
  readonly text: (value: number) => string;
  readonly why: string;
}[] = [
  // Node refuses a headers timeout above the request timeout.
  {
    within: "headers-timeout",
    bound: "request-timeout",
    text: formatDuration,
    why: "the headers are part of the request",
  },
  {
    within: "body-limit",
    bound: "body-budget",
    text: bytes => `${bytes} bytes`,
    why: "a review as large as the limit could never be received",
  },
];

function boundsProblem(
  values: ReadonlyMap<string, Value>,
  sources: ReadonlyMap<string, string>,
): WebhookError[] {
  const name = (flag: string): string => sources.get(flag) ?? `--${flag}`;
  return NESTED_BOUNDS.flatMap(({ within, bound, text, why }) => {
    const inner = values.get(within);
    const outer = values.get(bound);
    if (typeof inner !== "number" || typeof outer !== "number" || inner <= outer) return [];
    return [
      webhookError(
        "ERR_CONFIG_INVALID",
        `${name(within)} (${text(inner)}) is above ${name(bound)} (${text(outer)}): ${why}`,
      ),
    ];
  });
}

/**
 * Requests and limits are checked together: a request above its limit is wrong in neither alone.
 * null, with the error added to `errors`, when they are wrong.
 */
function installerResources(
  values: ReadonlyMap<string, Value>,
  sources: ReadonlyMap<string, string>,
  errors: WebhookError[],
): InstallerResources | null {
  const parsed = parseInstallerResources(
    values.get("installer-requests") as string,
    values.get("installer-limits") as string,
  );
  if (typeof parsed !== "string") return parsed;
  const where = ["installer-requests", "installer-limits"].map(f => sources.get(f) ?? `--${f}`);
  errors.push(webhookError("ERR_CONFIG_INVALID", `${where.join(", ")}: ${parsed}`));
  return null;
}

/** parseRegistrySettings names flags; name the variable instead when the value came from one. */
function namingSource(message: string, sources: ReadonlyMap<string, string>): WebhookError {
  const flag = /^--([a-z0-9-]+):/.exec(message)?.[1] ?? "";
  const source = sources.get(flag) ?? `--${flag}`;
  return webhookError("ERR_CONFIG_INVALID", source + message.slice(flag.length + 2));
}

function buildConfig(
  values: ReadonlyMap<string, Value>,
  registry: RegistrySettings,
  installerResources: InstallerResources,
  version: string,
): Config {
  const get = <T extends Value>(flag: string): T => values.get(flag) as T;
  const configured = get<ConfiguredMode>("injection-mode");
  const mutation: MutationSettings = Object.freeze({
    version,
    initImage: get<string>("init-image"),
    initImagePullPolicy: get<string | null>("init-image-pull-policy"),
    binaryPathInImage: get<string>("binary-path"),
    mountPath: get<string>("mount-path"),
    volumeSizeLimit: get<string>("volume-size-limit"),
    excludedNamespaces: get<readonly string[]>("exclude-namespaces"),
    injectorContainers: get<readonly string[]>("injector-containers"),
    pid1Entrypoints: get<readonly string[]>("pid1-entrypoints"),
    graceMarginMs: get<number>("grace-margin"),
    installerUser: get<number>("installer-user"),
    installerResources,
    // auto starts where nothing is proven yet.
    injectionMode: configured === "auto" ? "initContainer" : configured,
    imageVolumesAdmitted: null,
  });
  return Object.freeze({
    port: get<number>("port"),
    host: get<string>("host"),
    tlsCertFile: get<string>("tls-cert"),
    tlsKeyFile: get<string>("tls-key"),
    tlsReloadIntervalMs: get<number>("tls-reload-interval"),
    bodyLimitBytes: get<number>("body-limit"),
    bodyBudgetBytes: get<number>("body-budget"),
    logLevel: get<LogLevel>("log-level"),
    shutdownDelayMs: get<number>("shutdown-delay"),
    drainTimeoutMs: get<number>("drain-timeout"),
    connections: Object.freeze({
      headersTimeoutMs: get<number>("headers-timeout"),
      requestTimeoutMs: get<number>("request-timeout"),
      keepAliveTimeoutMs: get<number>("keep-alive-timeout"),
      maxConnections: get<number>("max-connections"),
    }),
    mutation,
    injectionMode: configured,
    nodeProbes: {
      namespace: get<string>("node-probe-namespace"),
      selector: get<string>("node-probe-selector"),
    },
    registry,
  });
}

/** One line per setting for the start-up log; nothing here is secret (files are paths). */
export function describeConfig(config: Config): Record<string, string | number> {
  return {
    port: config.port,
    initImage: config.mutation.initImage,
    injectionMode: config.injectionMode,
    mountPath: config.mutation.mountPath,
    excludedNamespaces: config.mutation.excludedNamespaces.join(","),
    graceMargin: formatDuration(config.mutation.graceMarginMs),
    registryInsecure: config.registry.insecureRegistries.join(","),
    lookupTimeout: formatDuration(config.registry.lookupTimeoutMs),
    pullSecrets: String(config.registry.pullSecrets),
  };
}
