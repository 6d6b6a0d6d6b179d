// Parses the registry flags (and their PODINIT_* variables) into validated lookup settings; pure.

import { parseDuration } from "../../../init/src/duration.js";
import { parseByteSize, parsePositiveDuration } from "../setting-values.js";
import { isRegistryHostPort, registryNameOf } from "./image-reference.js";
import { parsePlatform, type Platform } from "./platform.js";
import { CONFIG_MAX_BYTES } from "./registry-client.js";

export interface RegistrySettings {
  /** `host` or `host:port` reached over plain HTTP. */
  readonly insecureRegistries: readonly string[];
  /** A PEM bundle trusted on top of Node's CAs; read by the resolver factory. */
  readonly caFile: string | null;
  readonly platform: Platform;
  /** The whole lookup budget of one review; keep it below the webhook's timeoutSeconds. */
  readonly lookupTimeoutMs: number;
  readonly pullSecrets: boolean;
  /** Registry host → mirror hosts tried first, in order. */
  readonly mirrors: ReadonlyMap<string, readonly string[]>;
  /** How long a tag's digest is trusted before a HEAD asks again. */
  readonly tagTtlMs: number;
  readonly digestCacheSize: number;
  /** What the lookups kept by digest may weigh together, in bytes (roughly: strings count twice). */
  readonly cacheBytes: number;
  /** The most bytes of registry answers read at once, over every lookup. */
  readonly bodyBudgetBytes: number;
}

export interface RegistryFlag {
  readonly flag: string;
  readonly help: string;
  readonly fallback: string;
}

/** Every registry flag with its help and default, for the webhook's flag table and --help. */
export const REGISTRY_FLAGS: readonly RegistryFlag[] = Object.freeze([
  {
    flag: "registry-insecure",
    help: "registries reached over plain HTTP: HOST[:PORT],…",
    fallback: "",
  },
  { flag: "registry-ca", help: "PEM file of extra CAs trusted for registries", fallback: "" },
  {
    flag: "registry-mirror",
    help: "mirrors tried first: REGISTRY=MIRROR[;MIRROR],…",
    fallback: "",
  },
  {
    flag: "platform",
    help: "platform chosen from multi-platform images: OS/ARCH[/VARIANT]",
    fallback: "linux/amd64",
  },
  { flag: "lookup-timeout", help: "time budget for a review's image lookups", fallback: "3s" },
  {
    flag: "pull-secrets",
    help: "read the pod's pull secrets to authenticate lookups: true|false",
    fallback: "true",
  },
  { flag: "registry-tag-ttl", help: "how long a tag → digest answer is reused", fallback: "60s" },
  { flag: "registry-cache-size", help: "image lookups kept by digest", fallback: "1024" },
  {
    flag: "registry-cache-bytes",
    help: "most memory the image lookups kept by digest may take (Ki and Mi suffixes allowed)",
    fallback: "16Mi",
  },
  {
    flag: "registry-body-budget",
    help: "most bytes of registry answers read at once over every lookup (at least 8Mi, the largest image config read)",
    fallback: "16Mi",
  },
]);

export type RegistrySettingsResult =
  | { readonly ok: true; readonly settings: RegistrySettings }
  | { readonly ok: false; readonly errors: readonly string[] };

/** The webhook's own timeout cannot exceed 30 s, so a longer budget is always a mistake. */
const MAX_LOOKUP_TIMEOUT_MS = 30_000;

function hosts(text: string, separator: string): string[] {
  return text
    .split(separator)
    .map(s => s.trim())
    .filter(s => s !== "");
}

function parseMirrors(text: string, errors: string[]): Map<string, readonly string[]> {
  const mirrors = new Map<string, readonly string[]>();
  for (const entry of hosts(text, ",")) {
    const [registry = "", list = ""] = entry.split("=", 2);
    const targets = hosts(list, ";");
    const bad = [registry, ...targets].filter(h => !isRegistryHostPort(h));
    if (!entry.includes("=") || targets.length === 0 || bad.length > 0) {
      errors.push(
        `--registry-mirror: '${entry}' is not REGISTRY=MIRROR[;MIRROR] with host[:port] names`,
      );
      continue;
    }
    // Docker Hub's mirrors may be given under any of its names.
    const name = registryNameOf(registry);
    mirrors.set(name, [...(mirrors.get(name) ?? []), ...targets]);
  }
  return mirrors;
}

function positiveDuration(flag: string, text: string, max: number, errors: string[]): number {
  const ms = parsePositiveDuration(text, max);
  if (ms === null) {
    errors.push(
      `--${flag}: '${text}' is not a duration from 1ms to ${max / 1000}s (like 3s or 500ms)`,
    );
    return 0;
  }
  return ms;
}

/** How many lookups the digest cache keeps, and what they may weigh together. */
function cacheBounds(
  sizeText: string,
  bytesText: string,
  errors: string[],
): Pick<RegistrySettings, "digestCacheSize" | "cacheBytes"> {
  const size = Number(sizeText);
  if (!/^[0-9]+$/.test(sizeText) || size < 1 || size > 1_000_000) {
    errors.push(`--registry-cache-size: '${sizeText}' is not a whole number from 1 to 1000000`);
  }
  const bytes = parseByteSize(bytesText);
  if (bytes === null || bytes < 64 * 1024 || bytes > 1024 ** 3) {
    errors.push(`--registry-cache-bytes: '${bytesText}' is not a size from 64Ki to 1024Mi`);
  }
  return { digestCacheSize: size, cacheBytes: bytes ?? 0 };
}

function bodyBudget(text: string, errors: string[]): number {
  const bytes = parseByteSize(text);
  // A budget below the largest config a lookup reads could never read one.
  if (bytes === null || bytes < CONFIG_MAX_BYTES || bytes > 1024 ** 3) {
    errors.push(`--registry-body-budget: '${text}' is not a size from 8Mi to 1024Mi`);
    return 0;
  }
  return bytes;
}

/**
 * `texts` holds each flag's text as given (flag or PODINIT_* variable, already chosen by the
 * caller); missing ones take their defaults. Every problem is reported, each naming its flag.
 */
export function parseRegistrySettings(
  texts: Readonly<Record<string, string | undefined>>,
): RegistrySettingsResult {
  const text = (flag: string): string =>
    (texts[flag] ?? REGISTRY_FLAGS.find(f => f.flag === flag)?.fallback ?? "").trim();
  const errors: string[] = [];
  const insecureRegistries = hosts(text("registry-insecure"), ",");
  for (const host of insecureRegistries) {
    if (!isRegistryHostPort(host))
      errors.push(`--registry-insecure: '${host}' is not HOST or HOST:PORT`);
  }
  const platform = parsePlatform(text("platform"));
  if (platform === null) {
    errors.push(`--platform: '${text("platform")}' is not OS/ARCH[/VARIANT] like linux/amd64`);
  }
  const pull = text("pull-secrets").toLowerCase();
  if (pull !== "true" && pull !== "false") {
    errors.push(`--pull-secrets: '${text("pull-secrets")}' is not true or false`);
  }
  const settings: RegistrySettings = {
    insecureRegistries: insecureRegistries.map(h => h.toLowerCase()),
    caFile: text("registry-ca") === "" ? null : text("registry-ca"),
    platform: platform ?? { os: "linux", architecture: "amd64", variant: null },
    lookupTimeoutMs: positiveDuration(
      "lookup-timeout",
      text("lookup-timeout"),
      MAX_LOOKUP_TIMEOUT_MS,
      errors,
    ),
    pullSecrets: pull === "true",
    mirrors: parseMirrors(text("registry-mirror"), errors),
    tagTtlMs: parseDuration(text("registry-tag-ttl")) ?? 0,
    ...cacheBounds(text("registry-cache-size"), text("registry-cache-bytes"), errors),
    bodyBudgetBytes: bodyBudget(text("registry-body-budget"), errors),
  };
  if (parseDuration(text("registry-tag-ttl")) === null) {
    errors.push(
      `--registry-tag-ttl: '${text("registry-tag-ttl")}' is not a duration like 60s (0 turns it off)`,
    );
  }
  return errors.length > 0
    ? { ok: false, errors }
    : { ok: true, settings: Object.freeze(settings) };
}
