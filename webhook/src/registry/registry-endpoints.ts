// Where a registry's lookups go: its mirrors in order, then the registry itself, each over HTTPS unless named insecure.

import type { RegistryTarget } from "./distribution-api.js";
import { credentialsForImage, type RegistryCredential } from "./docker-config.js";
import { apiHostOf, registryNameOf, type ImageReference } from "./image-reference.js";
import { BoundedLru } from "../bounded-caches.js";
import type { LookupFailure } from "./lookup-failure.js";

/** Registries are named by pods, so the endpoints remembered for them are bounded. */
const REGISTRIES_REMEMBERED = 256;

export interface Endpoint {
  /** Where requests go: a mirror, or the registry's API host (`registry-1.docker.io` for Docker Hub). */
  readonly host: string;
  /** The name pull-secret keys are matched against: the mirror's host, or the registry's name. */
  readonly credentialHost: string;
  readonly plainHttp: boolean;
}

export interface EndpointSettings {
  /** `host` or `host:port` reached over plain HTTP. */
  readonly insecureRegistries: readonly string[];
  /** Registry → mirror endpoints tried before it, in order. */
  readonly mirrors: ReadonlyMap<string, readonly string[]>;
}

/** Asked on every review, and a pure function of the settings: remembered per registry. */
export class RegistryEndpoints {
  readonly #known = new BoundedLru<string, readonly Endpoint[]>(REGISTRIES_REMEMBERED);

  constructor(private readonly settings: EndpointSettings) {}

  of(registry: string): readonly Endpoint[] {
    let found = this.#known.get(registry);
    if (found === undefined) {
      const endpoint = (host: string, credentialHost: string): Endpoint => ({
        host,
        credentialHost,
        plainHttp: isInsecure(host, this.settings.insecureRegistries),
      });
      const name = registryNameOf(registry);
      found = [
        ...(this.settings.mirrors.get(name) ?? []).map(m => endpoint(m, m)),
        endpoint(apiHostOf(registry), name),
      ];
      this.#known.set(registry, found);
    }
    return found;
  }
}

/** The pod's credentials that a pull secret names for this endpoint and repository. */
export function credentialsAt(
  endpoint: Endpoint,
  reference: ImageReference,
  credentials: readonly RegistryCredential[],
): readonly RegistryCredential[] {
  if (credentials.length === 0) return credentials;
  return credentialsForImage(credentials, endpoint.credentialHost, reference.repository);
}

/** The credentials that may go to one endpoint, and the repository's base URL there. */
export function targetAt(
  reference: ImageReference,
  endpoint: Endpoint,
  credentials: readonly RegistryCredential[],
): RegistryTarget {
  return {
    endpoint: endpoint.host,
    base: `${endpoint.plainHttp ? "http" : "https"}://${endpoint.host}/v2/${reference.repository}`,
    repository: reference.repository,
    credentials: credentialsAt(endpoint, reference, credentials),
    secretHost: endpoint.credentialHost,
    plainHttp: endpoint.plainHttp,
  };
}

/**
 * A mirror that is down, lacks the image or refuses the pod's credentials does not end the
 * lookup; the next endpoint is tried, as containerd tries the next host on any error status.
 */
export function canTryNextEndpoint(failure: LookupFailure): boolean {
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
