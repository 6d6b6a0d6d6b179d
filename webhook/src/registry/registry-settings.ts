// The registry lookups' settings as rows of the webhook's option table; parseRegistrySettings reads them alone.

import {
  readSettings,
  splitList,
  type OptionTable,
  type Parsed,
  type Values,
} from "#options/option-table.js";
import { duration, orUnset, positiveDuration, trimmed } from "#options/option-values.js";
import { byteSize, integer, verbatim } from "../setting-values.js";
import { isRegistryHostPort, registryNameOf } from "./image-reference.js";
import { parsePlatform, type Platform } from "./platform.js";
import { CONFIG_MAX_BYTES } from "./distribution-api.js";

/** The webhook's own timeout cannot exceed 30 s, so a longer budget is always a mistake. */
const MAX_LOOKUP_TIMEOUT_MS = 30_000;

function insecureRegistries(text: string): Parsed<readonly string[]> {
  const hosts = splitList(text);
  const bad = hosts.filter(h => !isRegistryHostPort(h));
  return bad.length > 0
    ? bad.map(host => `'${host}' is not HOST or HOST:PORT`)
    : { value: hosts.map(h => h.toLowerCase()) };
}

function mirrors(text: string): Parsed<ReadonlyMap<string, readonly string[]>> {
  const mirrors = new Map<string, readonly string[]>();
  const bad: string[] = [];
  for (const entry of splitList(text)) {
    const [registry = "", list = ""] = entry.split("=", 2);
    const targets = splitList(list, ";");
    if (
      !entry.includes("=") ||
      targets.length === 0 ||
      ![registry, ...targets].every(isRegistryHostPort)
    ) {
      bad.push(`'${entry}' is not REGISTRY=MIRROR[;MIRROR] with host[:port] names`);
      continue;
    }
    // Docker Hub's mirrors may be given under any of its names.
    const name = registryNameOf(registry);
    mirrors.set(name, [...(mirrors.get(name) ?? []), ...targets]);
  }
  return bad.length > 0 ? bad : { value: mirrors };
}

function platform(text: string): Parsed<Platform> {
  const platform = parsePlatform(text);
  return platform === null
    ? `'${text}' is not OS/ARCH[/VARIANT] like linux/amd64`
    : { value: platform };
}

function pullSecrets(text: string): Parsed<boolean> {
  const lowered = text.toLowerCase();
  return lowered === "true" || lowered === "false"
    ? { value: lowered === "true" }
    : `'${text}' is not true or false`;
}

/**
 * Each row's text is trimmed first, wherever it came from; the keys are RegistrySettings' fields,
 * and the order is --help's.
 */
export const REGISTRY_SETTINGS = {
  /** `host` or `host:port` reached over plain HTTP. */
  insecureRegistries: {
    flag: "registry-insecure",
    help: "registries reached over plain HTTP: HOST[:PORT],…",
    fallback: "",
    parse: trimmed(insecureRegistries),
  },
  /** A PEM bundle trusted on top of Node's CAs; read by the resolver factory. */
  caFile: {
    flag: "registry-ca",
    help: "PEM file of extra CAs trusted for registries",
    fallback: "",
    parse: trimmed(orUnset(verbatim)),
  },
  /** Registry host → mirror hosts tried first, in order. */
  mirrors: {
    flag: "registry-mirror",
    help: "mirrors tried first: REGISTRY=MIRROR[;MIRROR],…",
    fallback: "",
    parse: trimmed(mirrors),
  },
  platform: {
    flag: "platform",
    help: "platform chosen from multi-platform images: OS/ARCH[/VARIANT]",
    fallback: "linux/amd64",
    parse: trimmed(platform),
  },
  /** The whole lookup budget of one review; keep it below the webhook's timeoutSeconds. */
  lookupTimeoutMs: {
    flag: "lookup-timeout",
    help: "time budget for a review's image lookups",
    fallback: "3s",
    parse: trimmed(positiveDuration(MAX_LOOKUP_TIMEOUT_MS, "from 1ms to 30s (like 3s or 500ms)")),
  },
  pullSecrets: {
    flag: "pull-secrets",
    help: "read the pod's pull secrets to authenticate lookups: true|false",
    fallback: "true",
    parse: trimmed(pullSecrets),
  },
  /** How long a tag's digest is trusted before a HEAD asks again. */
  tagTtlMs: {
    flag: "registry-tag-ttl",
    help: "how long a tag → digest answer is reused",
    fallback: "60s",
    parse: trimmed(duration("like 60s (0 turns it off)")),
  },
  digestCacheSize: {
    flag: "registry-cache-size",
    help: "image lookups kept by digest",
    fallback: "1024",
    parse: trimmed(integer(1, 1_000_000)),
  },
  /** What the lookups kept by digest may weigh together, in bytes (roughly: strings count twice). */
  cacheBytes: {
    flag: "registry-cache-bytes",
    help: "most memory the image lookups kept by digest may take (Ki and Mi suffixes allowed)",
    fallback: "16Mi",
    parse: trimmed(byteSize(64 * 1024, 1024 ** 3)),
  },
  /** The most bytes of registry answers read at once, over every lookup. */
  bodyBudgetBytes: {
    flag: "registry-body-budget",
    help: "most bytes of registry answers read at once over every lookup (at least 8Mi, the largest image config read)",
    fallback: "16Mi",
    // A budget below the largest config a lookup reads could never read one.
    parse: trimmed(byteSize(CONFIG_MAX_BYTES, 1024 ** 3)),
  },
} satisfies OptionTable;

export type RegistrySettings = Values<typeof REGISTRY_SETTINGS>;

export type RegistrySettingsResult =
  | { readonly ok: true; readonly settings: RegistrySettings }
  | { readonly ok: false; readonly errors: readonly string[] };

/**
 * `texts` holds each flag's text by its name (tests and the bench give them so); missing ones take
 * their defaults. Every problem is reported, each naming its flag, as the webhook's loader would.
 */
export function parseRegistrySettings(
  texts: Readonly<Record<string, string | undefined>>,
): RegistrySettingsResult {
  const flags = new Map<string, readonly string[]>();
  for (const [flag, text] of Object.entries(texts)) if (text !== undefined) flags.set(flag, [text]);
  const read = readSettings(REGISTRY_SETTINGS, { flags, env: {} });
  return read.values === null
    ? { ok: false, errors: read.problems }
    : { ok: true, settings: read.values };
}
