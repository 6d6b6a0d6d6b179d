// Parses an image reference and normalises it exactly as the container runtimes do (distribution/reference).

import { BoundedLru } from "../bounded-caches.js";
import { lookupFailure, type LookupFailure } from "./lookup-failure.js";

/** The registry a reference names when its first component is not a host: a spec constant. */
export const DEFAULT_REGISTRY = "docker.io";
const LEGACY_DEFAULT_REGISTRY = "index.docker.io";
/**
 * Where Docker Hub's registry API answers. `docker.io` is only its name: `https://docker.io/v2/`
 * redirects to the website, so containerd, CRI-O and docker all send `docker.io` references here.
 */
const DOCKER_HUB_API_HOST = "registry-1.docker.io";

/** The host whose `/v2/` API serves `registry` (a normalised reference's registry). */
export function apiHostOf(registry: string): string {
  return registry === DEFAULT_REGISTRY ? DOCKER_HUB_API_HOST : registry;
}

/** Docker Hub under any of its names is `docker.io`; any other host stays as it is. */
export function registryNameOf(host: string): string {
  const lower = host.toLowerCase();
  return lower === LEGACY_DEFAULT_REGISTRY || lower === DOCKER_HUB_API_HOST
    ? DEFAULT_REGISTRY
    : lower;
}
const OFFICIAL_REPOSITORY_PREFIX = "library/";
export const DEFAULT_TAG = "latest";

export interface ImageReference {
  /** Host (lower case) and optional port: `docker.io`, `127.0.0.1:5000`. */
  readonly registry: string;
  /** Path inside the registry: `library/nginx`. */
  readonly repository: string;
  /** null only when a digest is given without a tag. */
  readonly tag: string | null;
  /** `algorithm:hex`; when present it decides what is pulled, whatever the tag says. */
  readonly digest: string | null;
  /** The fully qualified form: `docker.io/library/nginx:latest`. */
  readonly canonical: string;
}

const COMPONENT = "[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*";
const PATH = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);
const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const DOMAIN = new RegExp(
  `^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?$`,
);
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
const SHA256_DIGEST = /^sha256:[0-9a-f]{64}$/;
const HEX_ID = /^[a-f0-9]{64}$/;
const NAME_TOTAL_MAX = 255;

/**
 * `host[:port]` as the reference grammar writes a registry, and as a URL holds it unchanged: the
 * grammar lets through `[abc]`, `[::::]`, `1.2.3.999` and port 99999, which no URL accepts, and
 * `10.1`, which a URL reads as 10.0.0.1 where the runtimes look the name up in DNS.
 */
export function isRegistryHostPort(text: string): boolean {
  if (!DOMAIN.test(text) || !URL.canParse(`https://${text}/`)) return false;
  const written = text.replace(/:[0-9]+$/, "").toLowerCase();
  // An IPv6 literal is the same address however the URL spells it.
  return written.startsWith("[") || new URL(`https://${text}/`).hostname === written;
}

function invalid(text: string, why: string): LookupFailure {
  return lookupFailure("ERR_REFERENCE_INVALID", `image '${text}' is not a valid reference: ${why}`);
}

/** True when the first path component names a registry host rather than a Docker Hub user. */
function isRegistryHost(component: string): boolean {
  return (
    component.includes(".") ||
    component.includes(":") ||
    component === "localhost" ||
    component.toLowerCase() !== component
  );
}

/** Splits `name[:tag][@digest]`; the tag colon is the last one after the last slash. */
function splitTagAndDigest(text: string): {
  name: string;
  tag: string | null;
  digest: string | null;
} {
  const at = text.indexOf("@");
  const digest = at === -1 ? null : text.slice(at + 1);
  const rest = at === -1 ? text : text.slice(0, at);
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    return { name: rest.slice(0, colon), tag: rest.slice(colon + 1), digest };
  }
  return { name: rest, tag: null, digest };
}

/** Why the text, its tag or its digest is malformed; null when they are fine. */
function referenceProblem(text: string): string | null {
  if (text === "") return "it is empty";
  if (HEX_ID.test(text)) return "a 64-character hex string is an image ID, not a name";
  const { name, tag, digest } = splitTagAndDigest(text);
  if (tag !== null && !TAG.test(tag)) return `tag '${tag}' is not allowed`;
  if (digest !== null && !DIGEST.test(digest)) return `digest '${digest}' is malformed`;
  if (digest !== null && digest.startsWith("sha256:") && !SHA256_DIGEST.test(digest)) {
    return "a sha256 digest is 64 lower-case hex characters";
  }
  if (name.length > NAME_TOTAL_MAX) return `the name is over ${NAME_TOTAL_MAX} characters`;
  return null;
}

/** Pods of a workload name the same images review after review; the parse is pure. */
const PARSED_MAX = 1024;
/** Longer than any valid reference: a 255-character name, a 128-character tag and a digest. */
const REFERENCE_TEXT_MAX = 1024;
const parsed = new BoundedLru<string, ImageReference | LookupFailure>(PARSED_MAX);

/**
 * `nginx` → docker.io/library/nginx:latest; `host:5000/a/b@sha256:…` keeps the digest and adds no
 * tag; `name:tag@sha256:…` keeps both (the digest wins when pulling).
 */
export function parseImageReference(text: string): ImageReference | LookupFailure {
  // Refused unparsed and never kept: the API server lets an image be any string, and a thousand
  // cached 200 KB ones (each quoted in its own message) held 200 MB.
  if (text.length > REFERENCE_TEXT_MAX) {
    return lookupFailure(
      "ERR_REFERENCE_INVALID",
      `image '${text.slice(0, 64)}…' is not a valid reference: it is ${text.length} characters, more than any valid one (${REFERENCE_TEXT_MAX})`,
    );
  }
  let result = parsed.get(text);
  if (result === undefined) {
    result = Object.freeze(parseUncached(text));
    parsed.set(text, result);
  }
  return result;
}

function parseUncached(text: string): ImageReference | LookupFailure {
  const problem = referenceProblem(text);
  if (problem !== null) return invalid(text, problem);
  const { name, tag, digest } = splitTagAndDigest(text);
  const slash = name.indexOf("/");
  const first = slash === -1 ? "" : name.slice(0, slash);
  let registry = DEFAULT_REGISTRY;
  let repository = name;
  if (slash !== -1 && isRegistryHost(first)) {
    if (!isRegistryHostPort(first)) return invalid(text, `'${first}' is not a registry host`);
    // Host names are case-blind: `Registry.Example` is the registry `registry.example`, for
    // --registry-insecure, mirrors, pull secrets and remembered challenges alike.
    const host = first.toLowerCase();
    registry = host === LEGACY_DEFAULT_REGISTRY ? DEFAULT_REGISTRY : host;
    repository = name.slice(slash + 1);
  }
  if (repository !== repository.toLowerCase()) {
    return invalid(text, "repository names must be lower case");
  }
  if (!PATH.test(repository)) return invalid(text, `'${repository}' is not a repository path`);
  if (registry === DEFAULT_REGISTRY && !repository.includes("/")) {
    repository = OFFICIAL_REPOSITORY_PREFIX + repository;
  }
  const finalTag = tag ?? (digest === null ? DEFAULT_TAG : null);
  const canonical =
    `${registry}/${repository}` +
    (finalTag === null ? "" : `:${finalTag}`) +
    (digest === null ? "" : `@${digest}`);
  return { registry, repository, tag: finalTag, digest, canonical };
}
