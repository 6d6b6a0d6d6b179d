// Adds credentials to registry requests: remembers each registry's challenge, fetches and caches bearer tokens.

import { createHash } from "node:crypto";
import { parseAuthChallenge, type AuthChallenge } from "./auth-challenge.js";
import type { RegistryCredential } from "./docker-config.js";
import { BoundedLru, ExpiringLru } from "../bounded-caches.js";
import { isLookupFailure, lookupFailure, type LookupFailure } from "./lookup-failure.js";
import type {
  RegistryTransport,
  TransportRequest,
  TransportResponse,
} from "./registry-transport.js";

/** The spec's default when a token response gives no `expires_in`. */
const DEFAULT_TOKEN_SECONDS = 60;
/** Tokens are dropped a little early so one never expires between the cache and the registry. */
const TOKEN_EXPIRY_SHARE = 0.9;
const TOKEN_MAX_BYTES = 64 * 1024;
const TOKEN_CACHE_SIZE = 1024;
const CHALLENGE_CACHE_SIZE = 256;
const NO_BODY = Buffer.alloc(0);

/** A refusal kept for its status and headers only: its body stays out of memory. */
function withoutBody(response: TransportResponse): TransportResponse {
  return { status: response.status, headers: response.headers, body: NO_BODY };
}
/**
 * Real challenges are a realm URL, a service and a scope: a few hundred characters. Up to Node's
 * 16 KB of headers, 256 remembered challenges of that size would hold 4 MiB for nothing.
 */
const CHALLENGE_MAX_CHARS = 4096;
/**
 * What the cached tokens may take together: real ones are JWTs of a few KB, but a registry may
 * answer with up to TOKEN_MAX_BYTES, and a thousand of those would take 128 MiB.
 */
const TOKEN_CACHE_BYTES = 4 * 1024 * 1024;

export interface AuthScope {
  /** `host[:port]` of the registry endpoint the request goes to. */
  readonly endpoint: string;
  readonly repository: string;
  /** Credentials that a pull secret names for exactly this endpoint; tried in order. */
  readonly credentials: readonly RegistryCredential[];
  /** True when the registry itself is reached over plain HTTP (--registry-insecure). */
  readonly plainHttp: boolean;
}

function basicHeader(credential: RegistryCredential): string {
  return `Basic ${Buffer.from(`${credential.username}:${credential.password}`).toString("base64")}`;
}

/** A stable key for a credential that never holds the secret itself. */
export function credentialIdentity(credential: RegistryCredential | null): string {
  if (credential === null) return "anonymous";
  return createHash("sha256")
    .update(`${credential.username}\0${credential.password}`)
    .digest("hex")
    .slice(0, 32);
}

/** Visible ASCII, as a bearer token is (RFC 6750's b64token, JWTs and the registries' own). */
const HEADER_TOKEN = /^[\x21-\x7e]+$/;

function tokenFromResponse(body: Buffer): { token: string; seconds: number } | null {
  try {
    const parsed = JSON.parse(body.toString("utf8")) as Record<string, unknown>;
    const token = parsed["token"] ?? parsed["access_token"];
    const expires = parsed["expires_in"];
    // Sent back in a header: a control character or non-ASCII would make the request throw.
    if (typeof token !== "string" || !HEADER_TOKEN.test(token)) return null;
    const seconds = typeof expires === "number" && expires > 0 ? expires : DEFAULT_TOKEN_SECONDS;
    return { token, seconds };
  } catch {
    return null;
  }
}

export class RegistryAuth {
  /**
   * The last challenge per endpoint, so later requests authenticate without a 401 round trip.
   * Bounded: redirects name hosts no pod does.
   */
  readonly #challenges = new BoundedLru<string, AuthChallenge>(CHALLENGE_CACHE_SIZE);
  readonly #tokens: ExpiringLru<string, string>;

  constructor(
    private readonly transport: RegistryTransport,
    now: () => number,
  ) {
    this.#tokens = new ExpiringLru(TOKEN_CACHE_SIZE, now, {
      of: token => 2 * token.length,
      max: TOKEN_CACHE_BYTES,
    });
  }

  /**
   * Sends `request` to the registry, authenticating as its challenge asks. Credentials are only
   * used for `scope.endpoint` and the token realm its challenge names (see realmCredential).
   */
  async send(
    request: TransportRequest,
    scope: AuthScope,
  ): Promise<TransportResponse | LookupFailure> {
    const candidates: (RegistryCredential | null)[] =
      scope.credentials.length === 0 ? [null] : [...scope.credentials];
    let last: TransportResponse | LookupFailure = lookupFailure(
      "ERR_REGISTRY_UNAUTHORIZED",
      `${scope.endpoint} refused access`,
    );
    for (const credential of candidates) {
      const known = this.#challenges.get(scope.endpoint);
      let authorization =
        known === undefined ? null : this.#cachedAuthorization(known, scope, credential);
      let response = await this.transport(withAuthorization(request, authorization));
      if (isLookupFailure(response) || response.status !== 401) return response;
      // Only its status and headers are read from here on: the body (up to the request's
      // maxBytes) would otherwise stay alive across the token request, outside the budget of
      // registry answers read at once.
      response = withoutBody(response);
      const header = firstHeader(response.headers["www-authenticate"]);
      if (header !== undefined && header.length > CHALLENGE_MAX_CHARS) {
        return lookupFailure(
          "ERR_REGISTRY_RESPONSE",
          `${scope.endpoint} sent a WWW-Authenticate challenge of ${header.length} characters; more than ${CHALLENGE_MAX_CHARS} is refused (a real one names a realm, a service and a scope)`,
        );
      }
      const challenge = parseAuthChallenge(header);
      if (challenge === null) return response;
      this.#challenges.set(scope.endpoint, challenge);
      const fresh = await this.#authorize(challenge, scope, credential, request.signal);
      if (isLookupFailure(fresh)) return fresh;
      if (fresh === null || fresh === authorization) {
        last = response;
        continue;
      }
      authorization = fresh;
      response = await this.transport(withAuthorization(request, authorization));
      if (isLookupFailure(response) || response.status !== 401) return response;
      last = withoutBody(response);
    }
    return last;
  }

  /** Sends `request` as it is: for blob storage a registry redirected to, which takes no login. */
  sendUnauthenticated(request: TransportRequest): Promise<TransportResponse | LookupFailure> {
    return this.transport(request);
  }

  #tokenKey(
    challenge: AuthChallenge & { scheme: "bearer" },
    scope: AuthScope,
    credential: RegistryCredential | null,
  ): string {
    return [
      challenge.realm,
      challenge.service ?? "",
      scopeFor(scope),
      credentialIdentity(credential),
    ].join("|");
  }

  #cachedAuthorization(
    challenge: AuthChallenge,
    scope: AuthScope,
    credential: RegistryCredential | null,
  ): string | null {
    if (challenge.scheme === "basic") return credential === null ? null : basicHeader(credential);
    const token = this.#tokens.get(
      this.#tokenKey(challenge, scope, realmCredential(challenge, scope, credential)),
    );
    return token === undefined ? null : `Bearer ${token}`;
  }

  async #authorize(
    challenge: AuthChallenge,
    scope: AuthScope,
    credential: RegistryCredential | null,
    signal: AbortSignal,
  ): Promise<string | null | LookupFailure> {
    if (challenge.scheme === "basic") return credential === null ? null : basicHeader(credential);
    const realmUser = realmCredential(challenge, scope, credential);
    const key = this.#tokenKey(challenge, scope, realmUser);
    const cached = this.#tokens.get(key);
    if (cached !== undefined) return `Bearer ${cached}`;
    const url = tokenUrl(challenge, scope);
    if (isLookupFailure(url)) return url;
    const headers: Record<string, string> = { accept: "application/json" };
    if (realmUser !== null) headers["authorization"] = basicHeader(realmUser);
    const response = await this.transport({
      method: "GET",
      url,
      headers,
      signal,
      maxBytes: TOKEN_MAX_BYTES,
    });
    if (isLookupFailure(response)) return response;
    if (response.status === 401 || response.status === 403) {
      return lookupFailure(
        "ERR_REGISTRY_UNAUTHORIZED",
        `the token service of ${scope.endpoint} refused ${realmUser === null ? "anonymous access" : `the credentials of ${realmUser.source}`} to ${scope.repository}`,
      );
    }
    const token = response.status === 200 ? tokenFromResponse(response.body) : null;
    if (token === null) {
      return lookupFailure(
        "ERR_TOKEN_FAILED",
        `the token service of ${scope.endpoint} (${url.host}) answered ${response.status} without a usable token`,
      );
    }
    this.#tokens.set(key, token.token, token.seconds * 1000 * TOKEN_EXPIRY_SHARE);
    return `Bearer ${token.token}`;
  }
}

function scopeFor(scope: AuthScope): string {
  return `repository:${scope.repository}:pull`;
}

/**
 * Credentials go to the token realm the registry's own challenge names, as container runtimes
 * send them: Docker Hub's registry-1.docker.io names auth.docker.io. Over HTTPS only; a registry
 * reached over plain HTTP gets them sent only to a realm on its own host.
 */
function realmCredential(
  challenge: AuthChallenge & { scheme: "bearer" },
  scope: AuthScope,
  credential: RegistryCredential | null,
): RegistryCredential | null {
  if (credential === null) return null;
  let realm: URL;
  try {
    realm = new URL(challenge.realm);
  } catch {
    return null;
  }
  // A challenge that came in clear text may have been rewritten on the way: its realm is trusted
  // only on the registry's own host.
  if (scope.plainHttp) {
    const registryHost = new URL(`http://${scope.endpoint}`).hostname;
    return realm.hostname === registryHost ? credential : null;
  }
  return realm.protocol === "https:" ? credential : null;
}

function tokenUrl(
  challenge: AuthChallenge & { scheme: "bearer" },
  scope: AuthScope,
): URL | LookupFailure {
  let url: URL;
  try {
    url = new URL(challenge.realm);
  } catch {
    return lookupFailure(
      "ERR_TOKEN_FAILED",
      `${scope.endpoint} names a token realm that is not a URL`,
    );
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    return lookupFailure(
      "ERR_TOKEN_FAILED",
      `${scope.endpoint} names a token realm that is not HTTP(S)`,
    );
  }
  if (challenge.service !== null) url.searchParams.set("service", challenge.service);
  url.searchParams.set("scope", scopeFor(scope));
  return url;
}

function withAuthorization(
  request: TransportRequest,
  authorization: string | null,
): TransportRequest {
  if (authorization === null) return request;
  return { ...request, headers: { ...request.headers, authorization } };
}

export function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
