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
 * containerd, a hop on the registry's own host keeps its credentials; any other host gets none and
 * authenticates on its own terms (an anonymous token for the repository its path names, when its
 * challenge asks). HTTPS never leads to HTTP; plain HTTP leads on only to registries listed as
 * insecure.
 */
export async function sendFollowingRedirects(
  auth: RegistryAuth,
  request: TransportRequest,
  scope: AuthScope,
  isInsecure: (host: string) => boolean,
): Promise<TransportResponse | LookupFailure> {
  let url = request.url;
  let hop: AuthScope = scope;
  let response = await auth.send(request, scope);
  for (let hops = 0; !isLookupFailure(response) && REDIRECTS.has(response.status); hops++) {
    const location = firstHeader(response.headers["location"]);
    if (hops >= MAX_REDIRECTS || location === undefined) {
      return lookupFailure(
        "ERR_REGISTRY_RESPONSE",
        `${scope.endpoint}: too many or empty redirects for ${request.url.pathname}`,
      );
    }
    let next: URL;
    try {
      next = new URL(location, url);
    } catch {
      return lookupFailure(
        "ERR_REGISTRY_RESPONSE",
        `${hop.endpoint} redirected to a Location that is not a URL`,
      );
    }
    const plainAllowed = url.protocol === "http:" && isInsecure(next.host);
    if (next.protocol !== "https:" && !(next.protocol === "http:" && plainAllowed)) {
      return lookupFailure(
        "ERR_REGISTRY_RESPONSE",
        `${hop.endpoint} redirected to ${next.protocol}//${next.host}; only HTTPS is followed ` +
          "(plain HTTP only from one registry listed in registry.insecure to another)",
      );
    }
    hop = hopScope(next, scope);
    url = next;
    response = await auth.send({ ...request, url }, hop);
  }
  return response;
}

/** Who a hop is: the registry itself again, or another host with no credentials of its. */
function hopScope(url: URL, origin: AuthScope): AuthScope {
  // Unescaped and checked against the grammar: a path the hop chose cannot widen the token's scope.
  const repository = REGISTRY_PATH.exec(url.pathname)?.[1] ?? origin.repository;
  const sameRegistry =
    url.host === origin.endpoint && (url.protocol === "http:") === origin.plainHttp;
  if (sameRegistry) return { ...origin, repository };
  return {
    endpoint: url.host,
    repository,
    credentials: [],
    plainHttp: url.protocol === "http:",
  };
}
