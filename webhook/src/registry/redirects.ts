// Follows a registry's redirects as the runtimes do: who each hop is, what it may be sent, where it may lead.

import { isLookupFailure, lookupFailure, type LookupFailure } from "./lookup-failure.js";
import { firstHeader, type AuthScope, type RegistryAuth } from "./registry-auth.js";
import type { TransportRequest, TransportResponse } from "./registry-transport.js";

/** Hops followed for one request: registry.k8s.io → a regional registry → its storage is two. */
const MAX_REDIRECTS = 3;
const REDIRECTS: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/** A repository name as the distribution spec writes it: lower-case path components, no escapes. */
const REGISTRY_PATH =
  /^\/v2\/((?:[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)\/(?:manifests|blobs)\/[^/]+$/;

/**
 * Sends `request` with `scope`'s authentication and follows redirects: registry.k8s.io sends every
 * manifest and blob request on to a regional registry, registries send blobs to storage. As in
 * containerd, a hop on the registry's own host keeps its credentials; a registry on another host
 * gets none and authenticates on its own terms (an anonymous token for the repository its path
 * names, when its challenge asks); anything else (blob storage) is asked with no authentication at
 * all. HTTPS never leads to HTTP; a registry already spoken to in plain HTTP (registry.insecure)
 * may send its blobs to plain-HTTP storage, as an in-cluster registry on MinIO does.
 */
export async function sendFollowingRedirects(
  auth: RegistryAuth,
  request: TransportRequest,
  scope: AuthScope,
): Promise<TransportResponse | LookupFailure> {
  let url = request.url;
  let response = await auth.send(request, scope);
  for (let hops = 0; !isLookupFailure(response) && REDIRECTS.has(response.status); hops++) {
    const next = redirectTarget(response, url, hops, request.url.pathname);
    if (isLookupFailure(next)) return next;
    url = next;
    const hop = hopScope(url, scope);
    response =
      hop === null
        ? await auth.sendUnauthenticated({ ...request, url })
        : await auth.send({ ...request, url }, hop);
  }
  if (isLookupFailure(response) || url.host === request.url.host || response.status < 400)
    return response;
  return hopRefusal(response.status, scope.endpoint, url.host, request.url.pathname);
}

/**
 * A refusal from a host the registry sent the request on to: the registry's pull secret never
 * went there, so it is not what to give, and the message names the host that refused.
 */
function hopRefusal(status: number, origin: string, hop: string, path: string): LookupFailure {
  const what = `${origin} sent the request for ${path} on to ${hop}, which answered ${status}`;
  if (status === 401 || status === 403)
    return lookupFailure(
      "ERR_REGISTRY_UNAUTHORIZED",
      `${what}; the pod's pull secrets are never sent there, so check with ${origin}'s operator or set podinit.dev/entrypoint.<container>`,
    );
  if (status === 404)
    return lookupFailure("ERR_IMAGE_NOT_FOUND", `${what}; check the image name and tag`);
  return lookupFailure("ERR_REGISTRY_RESPONSE", what);
}

/**
 * Where a redirect leads, or why it is not followed. A hostile registry may send any bytes as a
 * Location, so nothing here throws: each refusal is a value naming what was wrong.
 */
function redirectTarget(
  response: TransportResponse,
  from: URL,
  hops: number,
  path: string,
): URL | LookupFailure {
  const refuse = (why: string): LookupFailure =>
    lookupFailure("ERR_REDIRECT_INVALID", `${from.host} redirected the request for ${path} ${why}`);
  if (hops >= MAX_REDIRECTS) return refuse(`more than ${MAX_REDIRECTS} times`);
  const location = firstHeader(response.headers["location"]);
  if (location === undefined || location === "") return refuse("without a Location");
  let next: URL;
  try {
    next = new URL(location, from);
  } catch {
    return refuse("to a Location that is not a URL");
  }
  if (next.protocol !== "https:" && !(next.protocol === "http:" && from.protocol === "http:")) {
    return refuse(`to ${next.protocol}//${next.host}; HTTPS never leads to anything but HTTPS`);
  }
  return next;
}

/**
 * Who a hop is: the registry itself again (its credentials), another registry (none: the
 * repository its path names, for an anonymous token), or null for what is no registry path at
 * all, which is asked with no authentication and learns no repository name.
 */
function hopScope(url: URL, origin: AuthScope): AuthScope | null {
  // Matched as it is, escapes and all: a path the hop chose cannot widen a token's scope.
  const repository = REGISTRY_PATH.exec(url.pathname)?.[1];
  const sameRegistry =
    url.host === origin.endpoint && (url.protocol === "http:") === origin.plainHttp;
  if (sameRegistry) return { ...origin, repository: repository ?? origin.repository };
  if (repository === undefined) return null;
  return { endpoint: url.host, repository, credentials: [], plainHttp: url.protocol === "http:" };
}
