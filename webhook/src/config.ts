// The webhook's settings from flags and PODINIT_* variables, validated once and frozen.

import { formatDuration } from "#options/duration.js";
import { envName, readFlag, readSettings, rowsOf, type Values } from "#options/option-table.js";
import {
  boundsProblems,
  drainNotices,
  installerResources,
  nodeProbesProblems,
} from "./config-checks.js";
import { SETTINGS } from "./config-table.js";
import { webhookError, type WebhookError } from "./errors.js";
import type { InstallerResources, MutationSettings } from "./mutation/settings.js";

type Settings = Values<typeof SETTINGS>;

/** Every setting as the table reads it, but MutationSettings whole (the installer's in it). */
export type Config = Readonly<
  Omit<Settings, "mutation" | "installer"> & { readonly mutation: MutationSettings }
>;

export type ConfigResult =
  | { readonly ok: true; readonly config: Config; readonly notices: readonly string[] }
  | { readonly ok: false; readonly errors: readonly WebhookError[] };

/** `--help` text, generated from the same table that parses the settings. */
export function configHelp(): string {
  const lines = ["usage: podinit-webhook [--setting=value ...]", ""];
  for (const spec of rowsOf(SETTINGS)) {
    const fallback =
      spec.fallback === undefined ? "required" : `default ${spec.fallback || "unset"}`;
    lines.push(`  --${spec.flag} (${envName(spec.flag)}): ${spec.help}; ${fallback}`);
  }
  return lines.join("\n") + "\n";
}

/** Flags as `--name value` or `--name=value`; returns each flag's texts, or an error. */
function readArgs(argv: readonly string[]): Map<string, string[]> | WebhookError {
  const flags = new Map<string, string[]>();
  for (let index = 0; index < argv.length;) {
    const read = readFlag(SETTINGS, argv, index);
    if (read.kind === "unknown") {
      const arg = argv[index] ?? "";
      return webhookError("ERR_CONFIG_INVALID", `unknown argument '${arg}' (see --help)`);
    }
    if (read.kind === "no-text")
      return webhookError("ERR_CONFIG_INVALID", `--${read.spec.flag} needs a value`);
    flags.set(read.spec.flag, [...(flags.get(read.spec.flag) ?? []), read.text]);
    index += read.used;
  }
  return flags;
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
  const flags = readArgs(argv);
  if (!(flags instanceof Map)) return { ok: false, errors: [flags] };
  const read = readSettings(SETTINGS, { flags, env });
  const installer = installerResources(read);
  const problems = [
    ...read.problems,
    ...(typeof installer === "string" ? [installer] : []),
    ...nodeProbesProblems(read),
    ...boundsProblems(read),
  ];
  if (read.values === null || typeof installer !== "object" || problems.length > 0) {
    return { ok: false, errors: problems.map(p => webhookError("ERR_CONFIG_INVALID", p)) };
  }
  const notices = [...read.notices, ...drainNotices(read)];
  return { ok: true, config: buildConfig(read.values, installer, version), notices };
}

function buildConfig(
  settings: Settings,
  installerResources: InstallerResources,
  version: string,
): Config {
  const { mutation, installer, ...rest } = settings;
  return Object.freeze({
    ...rest,
    mutation: Object.freeze({
      version,
      ...mutation,
      installerUser: installer.user,
      installerResources,
      // auto starts where nothing is proven yet.
      injectionMode: settings.injectionMode === "auto" ? "initContainer" : settings.injectionMode,
      imageVolumesAdmitted: null,
    }),
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
