// Parses manifests and indexes (Docker schema 2 and OCI) and picks an index entry for a platform.

import { lookupFailure, type LookupFailure } from "./lookup-failure.js";
import { CONFIG_TYPES, INDEX_TYPES, MANIFEST_TYPES } from "./media-types.js";
import {
  formatPlatform,
  NODE_ARCHITECTURES,
  nodePlatform,
  platformMatches,
  type Platform,
} from "./platform.js";

export interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
}

export interface IndexEntry extends Descriptor {
  /** null when the entry names no platform (rare; such entries are never chosen). */
  readonly platform: Platform | null;
  /** Build attestations ride in indexes as `unknown/unknown` entries; they hold no runnable image. */
  readonly attestation: boolean;
}

export interface ImageIndex {
  readonly kind: "index";
  readonly entries: readonly IndexEntry[];
}

export interface ImageManifest {
  readonly kind: "manifest";
  readonly config: Descriptor;
}

/**
 * Indexes list a few platforms and their attestations (Docker's official images about twenty
 * entries, Windows images one per OS version): more than this is refused unread, not walked.
 */
const INDEX_ENTRIES_MAX = 128;

const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

type Json = Readonly<Record<string, unknown>>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function readDescriptor(value: unknown): Descriptor | null {
  if (!isObject(value)) return null;
  const { mediaType, digest, size } = value;
  if (typeof mediaType !== "string" || typeof digest !== "string" || !DIGEST.test(digest)) {
    return null;
  }
  if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0) return null;
  return { mediaType, digest, size };
}

function readPlatform(value: unknown): Platform | null {
  if (!isObject(value)) return null;
  const { os, architecture, variant } = value;
  if (typeof os !== "string" || typeof architecture !== "string") return null;
  return { os, architecture, variant: typeof variant === "string" ? variant : null };
}

function readIndexEntry(value: unknown): IndexEntry | null {
  const descriptor = readDescriptor(value);
  if (descriptor === null || !isObject(value)) return null;
  const platform = readPlatform(value["platform"]);
  const annotations = isObject(value["annotations"]) ? value["annotations"] : {};
  const attestation =
    annotations["vnd.docker.reference.type"] === "attestation-manifest" ||
    (platform !== null && platform.os === "unknown" && platform.architecture === "unknown");
  return { ...descriptor, platform, attestation };
}

/**
 * Reads a manifest document. The media type comes from the document when it says, else from the
 * response's Content-Type: both are allowed by the specs and registries differ.
 */
export function parseManifest(
  body: Uint8Array,
  contentType: string | undefined,
  where: string,
): ImageIndex | ImageManifest | LookupFailure {
  const bad = (why: string): LookupFailure =>
    lookupFailure("ERR_MANIFEST_INVALID", `the manifest of ${where} ${why}`);
  let document: unknown;
  try {
    document = JSON.parse(Buffer.from(body).toString("utf8"));
  } catch {
    return bad("is not JSON");
  }
  if (!isObject(document)) return bad("is not a JSON object");
  if (document["schemaVersion"] !== 2) {
    return bad("is not schema version 2 (schema 1 images are not supported; re-push the image)");
  }
  const declared = document["mediaType"];
  const mediaType =
    typeof declared === "string" ? declared : ((contentType ?? "").split(";")[0]?.trim() ?? "");
  if (INDEX_TYPES.has(mediaType) || (mediaType === "" && Array.isArray(document["manifests"]))) {
    return readIndex(document, where, bad);
  }
  if (MANIFEST_TYPES.has(mediaType) || (mediaType === "" && isObject(document["config"]))) {
    return readImageManifest(document, bad);
  }
  return bad(`has media type '${mediaType || "none"}', which is not an image manifest or index`);
}

function readIndex(
  document: Json,
  where: string,
  bad: (why: string) => LookupFailure,
): ImageIndex | LookupFailure {
  const raw = document["manifests"];
  if (!Array.isArray(raw)) return bad("is an index without a manifests list");
  if (raw.length > INDEX_ENTRIES_MAX) {
    return lookupFailure(
      "ERR_INDEX_TOO_LARGE",
      `the index of ${where} lists ${raw.length} manifests, more than the ${INDEX_ENTRIES_MAX} a lookup reads; ` +
        "set podinit.dev/entrypoint.<container>",
    );
  }
  const entries: IndexEntry[] = [];
  for (const item of raw as unknown[]) {
    const entry = readIndexEntry(item);
    if (entry === null) return bad("lists a manifest without mediaType, digest or size");
    entries.push(entry);
  }
  return { kind: "index", entries };
}

function readImageManifest(
  document: Json,
  bad: (why: string) => LookupFailure,
): ImageManifest | LookupFailure {
  const config = readDescriptor(document["config"]);
  if (config === null) return bad("has no valid config descriptor");
  if (!CONFIG_TYPES.has(config.mediaType)) {
    return bad(`has a config of type '${config.mediaType}', which is not a container image`);
  }
  return { kind: "manifest", config };
}

/** Index entries that are runnable images with a known platform (attestations left out). */
function runnableEntries(index: ImageIndex): IndexEntry[] {
  return index.entries.filter(e => e.platform !== null && !e.attestation);
}

/**
 * The entries whose commands are compared with the chosen one's: for each other node architecture
 * of its OS, the entry a node of it pulls (the runtimes' default variant: arm/v7, not arm/v6),
 * else its first. At most one per architecture is read, whatever the index lists.
 */
export function entriesToCompare(index: ImageIndex, chosen: IndexEntry): IndexEntry[] {
  const os = chosen.platform?.os ?? "";
  const byArchitecture = new Map<string, IndexEntry[]>();
  for (const entry of runnableEntries(index)) {
    const architecture = entry.platform?.architecture ?? "";
    if (entry.platform?.os !== os || architecture === chosen.platform?.architecture) continue;
    if (!NODE_ARCHITECTURES.has(architecture)) continue;
    const entries = byArchitecture.get(architecture);
    if (entries === undefined) byArchitecture.set(architecture, [entry]);
    else entries.push(entry);
  }
  return [...byArchitecture].flatMap(([architecture, entries]) => {
    const pulled = nodePlatform(os, architecture);
    const entry =
      entries.find(e => e.platform !== null && platformMatches(pulled, e.platform)) ?? entries[0];
    return entry === undefined ? [] : [entry];
  });
}

/** The entry for `platform`; the first match wins, as in the runtimes. */
export function selectPlatformManifest(
  index: ImageIndex,
  platform: Platform,
  where: string,
): IndexEntry | LookupFailure {
  const candidates = runnableEntries(index);
  const match = candidates.find(e => e.platform !== null && platformMatches(platform, e.platform));
  if (match !== undefined) return match;
  const offered = candidates.map(e => (e.platform === null ? "?" : formatPlatform(e.platform)));
  return lookupFailure(
    "ERR_PLATFORM_NOT_FOUND",
    `${where} has no ${formatPlatform(platform)} image (it offers ${offered.join(", ") || "none"}); ` +
      "set registry.platform (--platform) or podinit.dev/entrypoint.<container>",
  );
}
