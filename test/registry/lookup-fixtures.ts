// Shared wiring for lookup tests: a client over the real transport with test settings, and credentials.

import type { RegistryCredential } from "../../webhook/src/registry/docker-config.js";
import {
  parseImageReference,
  type ImageReference,
} from "../../webhook/src/registry/image-reference.js";
import { isLookupFailure } from "../../webhook/src/registry/lookup-failure.js";
import {
  createRegistryClient,
  type RegistryClient,
  type RegistryClientOptions,
} from "../../webhook/src/registry/registry-client.js";
import {
  createRegistryTransport,
  type RegistryTransport,
} from "../../webhook/src/registry/registry-transport.js";

export function reference(text: string): ImageReference {
  const parsed = parseImageReference(text);
  if (isLookupFailure(parsed)) throw new Error(parsed.message);
  return parsed;
}

export function credential(key: string, username: string, password: string): RegistryCredential {
  return { key, username, password, source: "test/pull-secret" };
}

export function testClient(
  overrides: Partial<RegistryClientOptions> & { transport?: RegistryTransport } = {},
): RegistryClient {
  return createRegistryClient({
    transport: overrides.transport ?? createRegistryTransport(),
    platform: { os: "linux", architecture: "amd64", variant: null },
    insecureRegistries: ["127.0.0.1", "localhost"],
    mirrors: new Map(),
    digestCacheSize: 64,
    tagTtlMs: 60_000,
    lookupTimeoutMs: 5_000,
    ...overrides,
  });
}

export function budget(ms = 5_000): AbortSignal {
  return AbortSignal.timeout(ms);
}
