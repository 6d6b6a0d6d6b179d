// Parses pull-secret payloads (dockerconfigjson and the older dockercfg) and matches them to an image like the kubelet.

import { DEFAULT_REGISTRY, registryNameOf } from "./image-reference.js";

export interface RegistryCredential {
  /** The key as the secret wrote it, normalised: host[:port][/path], no scheme. Never secret. */
  readonly key: string;
  readonly username: string;
  readonly password: string;
  /** Where it came from, for messages: `namespace/secret`. */
  readonly source: string;
}

export type DockerConfigParse =
  | { readonly ok: true; readonly credentials: readonly RegistryCredential[] }
  | { readonly ok: false; readonly message: string };

type Entries = Readonly<Record<string, unknown>>;

/**
 * `https://index.docker.io/v1/` → `docker.io`; `http://host:5000/path/` → `host:5000/path`.
 * Docker Hub keys come in several historical spellings (and as its API host); all are one.
 */
export function normaliseCredentialKey(raw: string): string {
  let key = raw.trim().replace(/^[a-z]+:\/\//i, "");
  key = key.replace(/\/+$/, "");
  const slash = key.indexOf("/");
  const host = (slash === -1 ? key : key.slice(0, slash)).toLowerCase();
  const path = slash === -1 ? "" : key.slice(slash);
  if (registryNameOf(host) === DEFAULT_REGISTRY)
    return /^\/v[12]$/.test(path) || path === "" ? DEFAULT_REGISTRY : DEFAULT_REGISTRY + path;
  return host + path;
}

function readEntry(key: string, value: unknown, source: string): RegistryCredential | null {
  if (typeof value !== "object" || value === null) return null;
  const entry = value as Record<string, unknown>;
  let username = typeof entry["username"] === "string" ? entry["username"] : "";
  let password = typeof entry["password"] === "string" ? entry["password"] : "";
  if (typeof entry["auth"] === "string" && entry["auth"] !== "") {
    const decoded = Buffer.from(entry["auth"], "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon > 0) {
      username = decoded.slice(0, colon);
      password = decoded.slice(colon + 1);
    }
  }
  if (username === "" && password === "") return null;
  return { key: normaliseCredentialKey(key), username, password, source };
}

function readEntries(entries: Entries, source: string): RegistryCredential[] {
  const credentials: RegistryCredential[] = [];
  for (const [key, value] of Object.entries(entries)) {
    const credential = readEntry(key, value, source);
    if (credential !== null) credentials.push(credential);
  }
  return credentials;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** `kubernetes.io/dockerconfigjson`: `{"auths": {key: {username, password, auth}}}`. */
export function parseDockerConfigJson(text: string, source: string): DockerConfigParse {
  const document = parseJson(text);
  const auths = (document as { auths?: unknown } | undefined)?.auths;
  if (typeof auths !== "object" || auths === null || Array.isArray(auths)) {
    return { ok: false, message: `secret ${source}: .dockerconfigjson has no 'auths' object` };
  }
  return { ok: true, credentials: readEntries(auths as Entries, source) };
}

/** `kubernetes.io/dockercfg`: the same entries without the `auths` wrapper. */
export function parseDockerCfg(text: string, source: string): DockerConfigParse {
  const document = parseJson(text);
  if (typeof document !== "object" || document === null || Array.isArray(document)) {
    return { ok: false, message: `secret ${source}: .dockercfg is not a JSON object` };
  }
  return { ok: true, credentials: readEntries(document as Entries, source) };
}

/** filepath.Match for one host label, where only `*` matters in practice. */
function labelMatches(pattern: string, label: string): boolean {
  if (!pattern.includes("*")) return pattern === label;
  const regex = new RegExp(`^${pattern.split("*").map(escapeRegExp).join("[^.]*")}$`);
  return regex.test(label);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function splitHostPort(host: string): { name: string; port: string } {
  const match = /^(.*?)(?::([0-9]+))?$/.exec(host);
  return { name: match?.[1] ?? host, port: match?.[2] ?? "" };
}

/**
 * Whether a credential key applies to `registry/repository`, following the kubelet: the same
 * number of host labels, each glob-matched; the same port; and the key's path a prefix of the
 * repository path.
 */
export function credentialKeyMatches(key: string, registry: string, repository: string): boolean {
  const slash = key.indexOf("/");
  const keyHost = splitHostPort(slash === -1 ? key : key.slice(0, slash));
  const keyPath = slash === -1 ? "" : key.slice(slash + 1);
  const target = splitHostPort(registry.toLowerCase());
  if (keyHost.port !== target.port) return false;
  const patternLabels = keyHost.name.split(".");
  const labels = target.name.split(".");
  if (patternLabels.length !== labels.length) return false;
  if (!patternLabels.every((p, i) => labelMatches(p, labels[i] ?? ""))) return false;
  return keyPath === "" || repository === keyPath || repository.startsWith(`${keyPath}/`);
}

/** Matching credentials, most specific key first, as the kubelet tries them. */
export function credentialsForImage(
  credentials: readonly RegistryCredential[],
  registry: string,
  repository: string,
): RegistryCredential[] {
  return credentials
    .filter(c => credentialKeyMatches(c.key, registry, repository))
    .sort((a, b) => (a.key < b.key ? 1 : a.key > b.key ? -1 : 0));
}
