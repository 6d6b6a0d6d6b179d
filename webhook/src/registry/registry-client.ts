// Looks up an image's ENTRYPOINT and CMD: tag → digest with HEAD, manifest or index, config blob; cached and shared.

import { formatDuration } from "../../../init/src/duration.js";
import { sameWords } from "../mutation/entrypoint.js";
import { matchesDigest, sha256Digest } from "./content-digest.js";
import { credentialsForImage, type RegistryCredential } from "./docker-config.js";
import { parseImageConfig, type ImageConfig } from "./image-config.js";
import { apiHostOf, registryNameOf, type ImageReference } from "./image-reference.js";
import { BoundedLru, ExpiringLru, SingleFlight } from "./lookup-cache.js";
import {
  isLookupFailure,
  LOOKUP_TIMEOUT_HINT,
  lookupFailure,
  type LookupFailure,
} from "./lookup-failure.js";
import {
  entriesToCompare,
  parseManifest,
  selectPlatformManifest,
  type Descriptor,
  type ImageIndex,
  type ImageManifest,
} from "./manifest.js";
import { MANIFEST_ACCEPT } from "./media-types.js";
import { formatPlatform, type Platform } from "./platform.js";
import { credentialIdentity, firstHeader, RegistryAuth, type AuthScope } from "./registry-auth.js";
import { sendFollowingRedirects } from "./redirects.js";
import type { RegistryTransport, TransportResponse } from "./registry-transport.js";
import { settleByDeadline } from "./settle-by-deadline.js";

export interface ImageLookup {
  readonly ok: true;
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
  /** The digest the reference resolves to (an index or a manifest): pin the image to it. */
  readonly digest: string;
  /** Not fatal: e.g. the platforms of an index disagree on ENTRYPOINT/CMD. */
  readonly warnings: readonly string[];
}

export interface RegistryClientOptions {
  readonly transport: RegistryTransport;
  readonly platform: Platform;
  /** `host` or `host:port` reached over plain HTTP. */
  readonly insecureRegistries: readonly string[];
  /** Registry → mirror endpoints tried before it, in order. */
  readonly mirrors: ReadonlyMap<string, readonly string[]>;
  readonly digestCacheSize: number;
  /** What the lookups kept by digest may weigh together (lookupBytes). */
  readonly cacheBytes: number;
  readonly tagTtlMs: number;
  /** How long a shared lookup may run after the last review joined it (each review has this budget). */
  readonly lookupTimeoutMs: number;
  readonly now?: () => number;
}

const MANIFEST_MAX_BYTES = 4 * 1024 * 1024;
export const CONFIG_MAX_BYTES = 8 * 1024 * 1024;
/** Registries are named by pods, so the endpoints remembered for them are bounded. */
const ENDPOINTS_MAX = 256;

interface Endpoint {
  /** Where requests go: a mirror, or the registry's API host (`registry-1.docker.io` for Docker Hub). */
  readonly host: string;
  /** The name pull-secret keys are matched against: the mirror's host, or the registry's name. */
  readonly credentialHost: string;
  readonly plainHttp: boolean;
}

/** One registry endpoint and repository, with the credentials that may go there. */
interface Target extends AuthScope {
  readonly base: string;
  /** The name a pull secret's key must give for this endpoint (`docker.io` for Docker Hub's API host). */
  readonly secretHost: string;
}

/** The cache keys of one reference at one endpoint for one caller. */
interface CacheKeys {
  readonly tag: string;
  digest(digest: string): string;
}

function whoOf(credentials: readonly RegistryCredential[]): string {
  return credentials.length === 0 ? "anonymous" : credentials.map(identityOf).join(",");
}

/** Hashing a credential per review would dominate a cached lookup: remember it per object. */
const identities = new WeakMap<RegistryCredential, string>();
function identityOf(credential: RegistryCredential): string {
  let identity = identities.get(credential);
  if (identity === undefined) {
    identity = credentialIdentity(credential);
    identities.set(credential, identity);
  }
  return identity;
}

export interface RegistryClient {
  /** A cached answer for exactly these credentials, or undefined; synchronous and cheap. */
  cached(
    reference: ImageReference,
    credentials: readonly RegistryCredential[],
  ): ImageLookup | undefined;
  /** Never throws and never outlives `signal` (nor the lookup timeout). */
  lookup(
    reference: ImageReference,
    credentials: readonly RegistryCredential[],
    signal: AbortSignal,
  ): Promise<ImageLookup | LookupFailure>;
}

/**
 * What a kept lookup costs, roughly: its strings at two bytes a character, and a few hundred bytes
 * of objects. The command is the part an image decides (up to COMMAND_MAX_CHARS).
 */
function lookupBytes(lookup: ImageLookup): number {
  let chars = lookup.digest.length;
  for (const list of [lookup.entrypoint, lookup.cmd, lookup.warnings])
    for (const text of list) chars += text.length;
  return 2 * chars + 256;
}

export function createRegistryClient(options: RegistryClientOptions): RegistryClient {
  const now = options.now ?? Date.now;
  const auth = new RegistryAuth(options.transport, now);
  const byDigest = new BoundedLru<string, ImageLookup>(options.digestCacheSize, {
    of: lookupBytes,
    max: options.cacheBytes,
  });
  const tagDigests = new ExpiringLru<string, string>(options.digestCacheSize, now);
  const flights = new SingleFlight<string, ImageLookup | LookupFailure>(
    options.lookupTimeoutMs,
    now,
  );
  const platformKey = formatPlatform(options.platform);

  // Asked on every review, and a pure function of the settings.
  const endpoints = new Map<string, readonly Endpoint[]>();
  const endpointsFor = (registry: string): readonly Endpoint[] => {
    let found = endpoints.get(registry);
    if (found === undefined) {
      const endpoint = (host: string, credentialHost: string): Endpoint => ({
        host,
        credentialHost,
        plainHttp: isInsecure(host, options.insecureRegistries),
      });
      found = [
        ...(options.mirrors.get(registryNameOf(registry)) ?? []).map(m => endpoint(m, m)),
        endpoint(apiHostOf(registry), registryNameOf(registry)),
      ];
      if (endpoints.size >= ENDPOINTS_MAX) endpoints.clear();
      endpoints.set(registry, found);
    }
    return found;
  };

  async function lookupAt(
    reference: ImageReference,
    target: Target,
    signal: AbortSignal,
  ): Promise<ImageLookup | LookupFailure> {
    const keys = keysFor(reference, target.endpoint, whoOf(target.credentials));
    let digest = reference.digest ?? tagDigests.get(keys.tag) ?? null;
    let prefetched: TransportResponse | null = null;
    if (digest === null) {
      const resolved = await resolveTag(target, reference, signal);
      if (isLookupFailure(resolved)) return resolved;
      digest = resolved.digest;
      prefetched = resolved.body;
      tagDigests.set(keys.tag, digest, options.tagTtlMs);
    }
    const digestKey = keys.digest(digest);
    const cached = byDigest.get(digestKey);
    if (cached !== undefined) return cached;
    const result = await lookupDigest(target, reference, digest, prefetched, signal);
    if (!isLookupFailure(result)) byDigest.set(digestKey, result);
    return result;
  }

  async function lookupDigest(
    target: Target,
    reference: ImageReference,
    digest: string,
    prefetched: TransportResponse | null,
    signal: AbortSignal,
  ): Promise<ImageLookup | LookupFailure> {
    const where = reference.canonical;
    const top = await fetchManifest(target, digest, where, prefetched, signal);
    if (isLookupFailure(top)) return top;
    if (top.kind === "manifest") {
      const config = await fetchConfig(target, top.config, where, signal);
      if (isLookupFailure(config)) return config;
      return { ok: true, entrypoint: config.entrypoint, cmd: config.cmd, digest, warnings: [] };
    }
    const chosen = selectPlatformManifest(top, options.platform, where);
    if (isLookupFailure(chosen)) return chosen;
    // The other node platforms' commands are read too, to warn when a pod may run another one.
    const configs = await Promise.all(
      [chosen, ...entriesToCompare(top, chosen)].map(async entry => ({
        entry,
        config: await fetchPlatformConfig(target, entry, where, signal),
      })),
    );
    const mine = configs[0]?.config;
    if (mine === undefined || isLookupFailure(mine)) {
      return mine ?? lookupFailure("ERR_MANIFEST_INVALID", `${where}: platform entry vanished`);
    }
    return {
      ok: true,
      entrypoint: mine.entrypoint,
      cmd: mine.cmd,
      digest,
      warnings: disagreementWarnings(where, platformKey, mine, configs),
    };
  }

  async function fetchPlatformConfig(
    target: Target,
    entry: Descriptor,
    where: string,
    signal: AbortSignal,
  ): Promise<ImageConfig | LookupFailure> {
    const manifest = await fetchManifest(target, entry.digest, where, null, signal);
    if (isLookupFailure(manifest)) return manifest;
    if (manifest.kind !== "manifest") {
      return lookupFailure("ERR_MANIFEST_INVALID", `${where}: an index entry is itself an index`);
    }
    return fetchConfig(target, manifest.config, where, signal);
  }

  async function resolveTag(
    target: Target,
    reference: ImageReference,
    signal: AbortSignal,
  ): Promise<{ digest: string; body: TransportResponse | null } | LookupFailure> {
    const url = new URL(`${target.base}/manifests/${reference.tag ?? ""}`);
    // HEAD: Docker Hub counts a manifest GET as a pull for its rate limit, a HEAD not.
    const head = await sendFollowingRedirects(
      auth,
      { method: "HEAD", url, headers: { accept: MANIFEST_ACCEPT }, signal, maxBytes: 0 },
      target,
    );
    if (isLookupFailure(head)) return head;
    if (head.status !== 200) return statusFailure(head.status, reference.canonical, target);
    const digest = firstHeader(head.headers["docker-content-digest"]);
    if (digest !== undefined && /^[a-z0-9]+:[a-f0-9]+$/.test(digest)) return { digest, body: null };
    // Some registries omit the header on HEAD: fetch once and hash what we got.
    const get = await sendFollowingRedirects(
      auth,
      {
        method: "GET",
        url,
        headers: { accept: MANIFEST_ACCEPT },
        signal,
        maxBytes: MANIFEST_MAX_BYTES,
      },
      target,
    );
    if (isLookupFailure(get)) return get;
    if (get.status !== 200) return statusFailure(get.status, reference.canonical, target);
    return { digest: sha256Digest(get.body), body: get };
  }

  async function fetchManifest(
    target: Target,
    digest: string,
    where: string,
    prefetched: TransportResponse | null,
    signal: AbortSignal,
  ): Promise<ImageIndex | ImageManifest | LookupFailure> {
    const response =
      prefetched ??
      (await sendFollowingRedirects(
        auth,
        {
          method: "GET",
          url: new URL(`${target.base}/manifests/${digest}`),
          headers: { accept: MANIFEST_ACCEPT },
          signal,
          maxBytes: MANIFEST_MAX_BYTES,
        },
        target,
      ));
    if (isLookupFailure(response)) return response;
    if (response.status !== 200) return statusFailure(response.status, where, target);
    // Whoever answered, a redirect's target included, the bytes must be the ones asked for.
    if (!matchesDigest(response.body, digest)) {
      return lookupFailure(
        "ERR_MANIFEST_INVALID",
        `the manifest ${target.endpoint} sent for ${where} does not match digest ${digest}`,
      );
    }
    return parseManifest(response.body, firstHeader(response.headers["content-type"]), where);
  }

  async function fetchConfig(
    target: Target,
    config: Descriptor,
    where: string,
    signal: AbortSignal,
  ): Promise<ImageConfig | LookupFailure> {
    const response = await fetchBlob(target, config.digest, signal);
    if (isLookupFailure(response)) return response;
    if (response.status !== 200) return statusFailure(response.status, where, target);
    if (!matchesDigest(response.body, config.digest)) {
      return lookupFailure(
        "ERR_IMAGE_CONFIG_INVALID",
        `the config blob of ${where} does not match digest ${config.digest}`,
      );
    }
    return parseImageConfig(response.body, where);
  }

  function fetchBlob(
    target: Target,
    digest: string,
    signal: AbortSignal,
  ): Promise<TransportResponse | LookupFailure> {
    const url = new URL(`${target.base}/blobs/${digest}`);
    return sendFollowingRedirects(
      auth,
      { method: "GET", url, headers: {}, signal, maxBytes: CONFIG_MAX_BYTES },
      target,
    );
  }

  function targetFor(
    reference: ImageReference,
    endpoint: Endpoint,
    credentials: readonly RegistryCredential[],
  ): Target {
    return {
      endpoint: endpoint.host,
      base: `${endpoint.plainHttp ? "http" : "https"}://${endpoint.host}/v2/${reference.repository}`,
      repository: reference.repository,
      credentials: credentialsForImage(credentials, endpoint.credentialHost, reference.repository),
      secretHost: endpoint.credentialHost,
      plainHttp: endpoint.plainHttp,
    };
  }

  /**
   * Keyed by who asks too: a pod without access must not learn a private image's entrypoint from
   * another pod's lookup. Pods of one Deployment share credentials, so they share entries. The
   * key strings are made once per reference, endpoint and caller: a cached review then hashes
   * no new string. They go when the parsed reference does.
   */
  const keyMemo = new WeakMap<ImageReference, Map<string, Map<string, CacheKeys>>>();
  function keysFor(reference: ImageReference, host: string, who: string): CacheKeys {
    let byHost = keyMemo.get(reference);
    if (byHost === undefined)
      keyMemo.set(reference, (byHost = new Map<string, Map<string, CacheKeys>>()));
    let byWho = byHost.get(host);
    if (byWho === undefined) byHost.set(host, (byWho = new Map<string, CacheKeys>()));
    let keys = byWho.get(who);
    if (keys === undefined) {
      const prefix = `${who}|${host}/${reference.repository}`;
      const digestKeys = new Map<string, string>();
      keys = {
        tag: `${prefix}:${reference.tag ?? ""}`,
        digest: digest => {
          let key = digestKeys.get(digest);
          if (key === undefined)
            digestKeys.set(digest, (key = `${prefix}@${digest}|${platformKey}`));
          return key;
        },
      };
      byWho.set(who, keys);
    }
    return keys;
  }

  /** The cached answer, without any I/O, timer or promise: the hot path of a review. */
  function cached(
    reference: ImageReference,
    credentials: readonly RegistryCredential[],
  ): ImageLookup | undefined {
    for (const endpoint of endpointsFor(reference.registry)) {
      const matching =
        credentials.length === 0
          ? credentials
          : credentialsForImage(credentials, endpoint.credentialHost, reference.repository);
      const keys = keysFor(reference, endpoint.host, whoOf(matching));
      const digest = reference.digest ?? tagDigests.get(keys.tag);
      if (digest === undefined) continue;
      const hit = byDigest.get(keys.digest(digest));
      if (hit !== undefined) return hit;
    }
    return undefined;
  }

  async function lookupShared(
    reference: ImageReference,
    credentials: readonly RegistryCredential[],
    signal: AbortSignal,
  ): Promise<ImageLookup | LookupFailure> {
    let failure: LookupFailure | null = null;
    for (const endpoint of endpointsFor(reference.registry)) {
      const target = targetFor(reference, endpoint, credentials);
      const result = await lookupAt(reference, target, signal);
      if (!isLookupFailure(result) || !canTryNextEndpoint(result)) return result;
      // The registry itself comes last: its answer, not a mirror's, is the one to report.
      failure = result;
      if (signal.aborted) break;
    }
    return (
      failure ?? lookupFailure("ERR_REGISTRY_UNREACHABLE", `no endpoint for ${reference.registry}`)
    );
  }

  return {
    cached,
    lookup(reference, credentials, signal) {
      const hit = cached(reference, credentials);
      if (hit !== undefined) return Promise.resolve(hit);
      const identity = credentials.map(identityOf).join(",");
      const shared = flights.run(`${reference.canonical}|${platformKey}|${identity}`, budget =>
        // A bug must not leave every review of this image waiting out its budget: it fails open.
        lookupShared(reference, credentials, budget).catch((error: unknown) =>
          lookupFailure(
            "ERR_REGISTRY_RESPONSE",
            `the lookup of ${reference.canonical} failed unexpectedly: ${error instanceof Error ? error.message : String(error)}`,
          ),
        ),
      );
      return settleByDeadline(shared, signal, () =>
        lookupFailure(
          "ERR_LOOKUP_TIMEOUT",
          `the lookup of ${reference.canonical} did not finish within ${formatDuration(options.lookupTimeoutMs)}; ${LOOKUP_TIMEOUT_HINT}`,
        ),
      );
    },
  };
}

/**
 * A mirror that is down, lacks the image or refuses the pod's credentials does not end the
 * lookup; the next endpoint is tried, as containerd tries the next host on any error status.
 */
function canTryNextEndpoint(failure: LookupFailure): boolean {
  return (
    failure.code === "ERR_REGISTRY_UNREACHABLE" ||
    failure.code === "ERR_REGISTRY_UNAUTHORIZED" ||
    failure.code === "ERR_IMAGE_NOT_FOUND" ||
    failure.code === "ERR_REGISTRY_RESPONSE" ||
    failure.code === "ERR_REDIRECT_INVALID"
  );
}

function isInsecure(host: string, insecure: readonly string[]): boolean {
  const hostname = host.replace(/:[0-9]+$/, "");
  return insecure.some(entry => entry === host || entry === hostname);
}

function statusFailure(status: number, where: string, target: Target): LookupFailure {
  const host = target.endpoint;
  if (status === 401 || status === 403) {
    return lookupFailure(
      "ERR_REGISTRY_UNAUTHORIZED",
      `${host} refused access to ${where} (${status}); give the pod an imagePullSecret for ${target.secretHost} ` +
        "(read while registry.pullSecrets is true) or set podinit.dev/entrypoint.<container>",
    );
  }
  if (status === 404) {
    return lookupFailure(
      "ERR_IMAGE_NOT_FOUND",
      `${host} has no ${where} (404); check the image name and tag`,
    );
  }
  if (status === 429) {
    return lookupFailure(
      "ERR_REGISTRY_RESPONSE",
      `${host} rate-limited the lookup of ${where} (429); give the pod an imagePullSecret for ` +
        `${target.secretHost} (logged-in pulls get a higher limit) or pull through a cache named in registry.mirrors`,
    );
  }
  return lookupFailure("ERR_REGISTRY_RESPONSE", `${host} answered ${status} for ${where}`);
}

function disagreementWarnings(
  where: string,
  chosenPlatform: string,
  mine: ImageConfig,
  configs: readonly { entry: { platform: Platform | null }; config: ImageConfig | LookupFailure }[],
): string[] {
  const differing = configs.filter(
    ({ config }) =>
      !isLookupFailure(config) &&
      (!sameWords(config.entrypoint, mine.entrypoint) || !sameWords(config.cmd, mine.cmd)),
  );
  if (differing.length === 0) return [];
  const others = differing
    .map(({ entry }) => (entry.platform === null ? "?" : formatPlatform(entry.platform)))
    .join(", ");
  return [
    `the platforms of ${where} disagree on ENTRYPOINT/CMD (${others} differ from ${chosenPlatform}); ` +
      `the ${chosenPlatform} command was used: pin the pod to ${chosenPlatform} nodes or set podinit.dev/entrypoint.<container>`,
  ];
}
