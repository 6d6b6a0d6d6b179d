// Looks up an image's ENTRYPOINT and CMD through the distribution protocol: cached, shared between reviews, tried at each mirror.

import { formatDuration } from "#options/duration.js";
import { resolveTag, type RegistryTarget } from "./distribution-api.js";
import type { RegistryCredential } from "./docker-config.js";
import { lookupDigest, type ImageLookup } from "./image-at-digest.js";
import type { ImageReference } from "./image-reference.js";
import { BoundedLru, ExpiringLru, SingleFlight } from "../bounded-caches.js";
import {
  isLookupFailure,
  LOOKUP_TIMEOUT_HINT,
  lookupFailure,
  type LookupFailure,
} from "./lookup-failure.js";
import { callerOf, LookupKeys } from "./lookup-keys.js";
import { formatPlatform, type Platform } from "./platform.js";
import { RegistryAuth } from "./registry-auth.js";
import {
  canTryNextEndpoint,
  credentialsAt,
  RegistryEndpoints,
  targetAt,
  type EndpointSettings,
} from "./registry-endpoints.js";
import type { RegistryTransport, TransportResponse } from "./registry-transport.js";
import { settleByDeadline } from "./settle-by-deadline.js";

export interface RegistryClientOptions extends EndpointSettings {
  readonly transport: RegistryTransport;
  readonly platform: Platform;
  readonly digestCacheSize: number;
  /** What the lookups kept by digest may weigh together (lookupBytes). */
  readonly cacheBytes: number;
  readonly tagTtlMs: number;
  /** How long a shared lookup may run after the last review joined it (each review has this budget). */
  readonly lookupTimeoutMs: number;
  readonly now?: () => number;
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
  const endpoints = new RegistryEndpoints(options);
  const keys = new LookupKeys(platformKey);

  /** The cached answer, without any I/O, timer or promise: the hot path of a review. */
  function cached(
    reference: ImageReference,
    credentials: readonly RegistryCredential[],
  ): ImageLookup | undefined {
    for (const endpoint of endpoints.of(reference.registry)) {
      const caller = callerOf(credentialsAt(endpoint, reference, credentials));
      const at = keys.of(reference, endpoint.host, caller);
      const digest = reference.digest ?? tagDigests.get(at.tag);
      if (digest === undefined) continue;
      const hit = byDigest.get(at.digest(digest));
      if (hit !== undefined) return hit;
    }
    return undefined;
  }

  async function lookupAt(
    reference: ImageReference,
    target: RegistryTarget,
    signal: AbortSignal,
  ): Promise<ImageLookup | LookupFailure> {
    const at = keys.of(reference, target.endpoint, callerOf(target.credentials));
    let digest = reference.digest ?? tagDigests.get(at.tag) ?? null;
    let prefetched: TransportResponse | null = null;
    if (digest === null) {
      const resolved = await resolveTag(auth, target, reference, signal);
      if (isLookupFailure(resolved)) return resolved;
      digest = resolved.digest;
      prefetched = resolved.body;
      tagDigests.set(at.tag, digest, options.tagTtlMs);
    }
    const digestKey = at.digest(digest);
    const kept = byDigest.get(digestKey);
    if (kept !== undefined) return kept;
    const read = { auth, target, platform: options.platform, where: reference.canonical, signal };
    const result = await lookupDigest(read, digest, prefetched);
    if (!isLookupFailure(result)) byDigest.set(digestKey, result);
    return result;
  }

  async function lookupShared(
    reference: ImageReference,
    credentials: readonly RegistryCredential[],
    signal: AbortSignal,
  ): Promise<ImageLookup | LookupFailure> {
    let failure: LookupFailure | null = null;
    for (const endpoint of endpoints.of(reference.registry)) {
      const result = await lookupAt(reference, targetAt(reference, endpoint, credentials), signal);
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
      const flight = `${reference.canonical}|${platformKey}|${callerOf(credentials)}`;
      const shared = flights.run(flight, budget =>
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
