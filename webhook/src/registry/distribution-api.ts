// The OCI distribution protocol at one registry endpoint: resolve a tag, fetch a manifest, fetch a config blob.

import { matchesDigest, sha256Digest } from "./content-digest.js";
import { parseImageConfig, type ImageConfig } from "./image-config.js";
import type { ImageReference } from "./image-reference.js";
import { lookupFailure, isLookupFailure, type LookupFailure } from "./lookup-failure.js";
import { parseManifest, type Descriptor, type ImageIndex, type ImageManifest } from "./manifest.js";
import { MANIFEST_ACCEPT } from "./media-types.js";
import { firstHeader, type AuthScope, type RegistryAuth } from "./registry-auth.js";
import { sendFollowingRedirects } from "./redirects.js";
import type { TransportResponse } from "./registry-transport.js";

const MANIFEST_MAX_BYTES = 4 * 1024 * 1024;
export const CONFIG_MAX_BYTES = 8 * 1024 * 1024;

/** One registry endpoint and repository, with the credentials that may go there. */
export interface RegistryTarget extends AuthScope {
  /** `http[s]://host/v2/<repository>`: every request of the protocol is below it. */
  readonly base: string;
  /** The name a pull secret's key must give for this endpoint (`docker.io` for Docker Hub's API host). */
  readonly secretHost: string;
}

/** A tag's digest, and the manifest itself when it had to be fetched to learn the digest. */
export interface ResolvedTag {
  readonly digest: string;
  readonly body: TransportResponse | null;
}

export async function resolveTag(
  auth: RegistryAuth,
  target: RegistryTarget,
  reference: ImageReference,
  signal: AbortSignal,
): Promise<ResolvedTag | LookupFailure> {
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
  const get = await getManifest(auth, target, url, signal);
  if (isLookupFailure(get)) return get;
  if (get.status !== 200) return statusFailure(get.status, reference.canonical, target);
  return { digest: sha256Digest(get.body), body: get };
}

/** The manifest or index at `digest`; `prefetched` is one resolveTag already read. */
export async function fetchManifest(
  auth: RegistryAuth,
  target: RegistryTarget,
  digest: string,
  where: string,
  prefetched: TransportResponse | null,
  signal: AbortSignal,
): Promise<ImageIndex | ImageManifest | LookupFailure> {
  const response =
    prefetched ??
    (await getManifest(auth, target, new URL(`${target.base}/manifests/${digest}`), signal));
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

export async function fetchConfig(
  auth: RegistryAuth,
  target: RegistryTarget,
  config: Descriptor,
  where: string,
  signal: AbortSignal,
): Promise<ImageConfig | LookupFailure> {
  const response = await sendFollowingRedirects(
    auth,
    {
      method: "GET",
      url: new URL(`${target.base}/blobs/${config.digest}`),
      headers: {},
      signal,
      maxBytes: CONFIG_MAX_BYTES,
    },
    target,
  );
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

function getManifest(
  auth: RegistryAuth,
  target: RegistryTarget,
  url: URL,
  signal: AbortSignal,
): Promise<TransportResponse | LookupFailure> {
  return sendFollowingRedirects(
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
}

function statusFailure(status: number, where: string, target: RegistryTarget): LookupFailure {
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
