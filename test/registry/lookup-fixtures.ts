// Shared wiring for lookup tests: a client or a resolver over the real transport with test settings, pods and credentials.

import type { Container, Pod } from "../../webhook/src/mutation/pod-types.js";
import type { RegistryCredential } from "../../webhook/src/registry/docker-config.js";
import {
  createEntrypointResolver,
  type RegistryEntrypointResolver,
} from "../../webhook/src/registry/entrypoint-resolver.js";
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
  parseRegistrySettings,
  type RegistrySettings,
} from "../../webhook/src/registry/registry-settings.js";
import {
  createRegistryTransport,
  type RegistryTransport,
  type TransportOptions,
} from "../../webhook/src/registry/registry-transport.js";
import { fakePullSecrets } from "./fake-pull-secrets.js";

export function reference(text: string): ImageReference {
  const parsed = parseImageReference(text);
  if (isLookupFailure(parsed)) throw new Error(parsed.message);
  return parsed;
}

export function credential(key: string, username: string, password: string): RegistryCredential {
  return { key, username, password, source: "test/pull-secret" };
}

/** The real transport, with the webhook's default budget for registry answers read at once. */
export function testTransport(options: Partial<TransportOptions> = {}): RegistryTransport {
  return createRegistryTransport({
    bodyBudgetBytes: resolverSettings().bodyBudgetBytes,
    ...options,
  });
}

export function testClient(
  overrides: Partial<RegistryClientOptions> & { transport?: RegistryTransport } = {},
): RegistryClient {
  return createRegistryClient({
    transport: overrides.transport ?? testTransport(),
    platform: { os: "linux", architecture: "amd64", variant: null },
    insecureRegistries: ["127.0.0.1", "localhost"],
    mirrors: new Map(),
    digestCacheSize: 64,
    cacheBytes: 16 * 1024 * 1024,
    tagTtlMs: 60_000,
    lookupTimeoutMs: 5_000,
    ...overrides,
  });
}

export function budget(ms = 5_000): AbortSignal {
  return AbortSignal.timeout(ms);
}

/** The webhook's registry settings from flag texts, plain HTTP for 127.0.0.1. */
export function resolverSettings(overrides: Record<string, string> = {}): RegistrySettings {
  const parsed = parseRegistrySettings({
    "registry-insecure": "127.0.0.1",
    "lookup-timeout": "3s",
    ...overrides,
  });
  if (!parsed.ok) throw new Error(parsed.errors.join("; "));
  return parsed.settings;
}

/** The resolver the admission route uses, with no pull secrets unless `deps` gives some. */
export async function testResolver(
  overrides: Record<string, string> = {},
  deps: Parameters<typeof createEntrypointResolver>[1] = {},
): Promise<RegistryEntrypointResolver> {
  const created = await createEntrypointResolver(resolverSettings(overrides), {
    pullSecrets: fakePullSecrets({}),
    ...deps,
  });
  if (!created.ok) throw new Error(created.message);
  return created.resolver;
}

export function testPod(
  containers: Container[],
  extra: Record<string, unknown> = {},
  annotations?: Record<string, string>,
): Pod {
  return {
    metadata: {
      name: "p",
      namespace: "apps",
      ...(annotations === undefined ? {} : { annotations }),
    },
    spec: { containers, ...extra },
  };
}
