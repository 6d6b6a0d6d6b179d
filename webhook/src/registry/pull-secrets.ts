// Gathers a pod's registry credentials from its imagePullSecrets and its ServiceAccount's, as the kubelet does.

import { parseDockerCfg, parseDockerConfigJson, type RegistryCredential } from "./docker-config.js";
import { ExpiringLru, SingleFlight } from "./lookup-cache.js";

/** A Secret as the API returns it: `data` values are base64. */
export interface SecretPayload {
  readonly type: string;
  readonly data: Readonly<Record<string, string>>;
}

/** What the lookup needs from the Kubernetes API; a fake implements it in tests. */
export interface PullSecretSource {
  /** The named secret, or null when it does not exist. Throws on other API errors. */
  readSecret(namespace: string, name: string): Promise<SecretPayload | null>;
  /** The names in the ServiceAccount's imagePullSecrets; [] when it does not exist. */
  serviceAccountPullSecrets(namespace: string, name: string): Promise<readonly string[]>;
}

export interface PodPullSecretRefs {
  readonly serviceAccountName?: string;
  readonly imagePullSecrets?: readonly { readonly name?: string }[];
}

export interface PullCredentials {
  readonly credentials: readonly RegistryCredential[];
  /** Unreadable or malformed secrets: the lookup goes on without them. No secret content here. */
  readonly warnings: readonly string[];
}

const DOCKER_CONFIG_JSON = "kubernetes.io/dockerconfigjson";
const DOCKER_CFG = "kubernetes.io/dockercfg";

/** Credentials inside one pull secret; anything but the two docker types holds none. */
export function credentialsFromSecret(
  secret: SecretPayload,
  source: string,
): { credentials: readonly RegistryCredential[]; warning: string | null } {
  const decode = (key: string): string | null => {
    const value = secret.data[key];
    return value === undefined ? null : Buffer.from(value, "base64").toString("utf8");
  };
  let text: string | null = null;
  let parse = parseDockerConfigJson;
  if (secret.type === DOCKER_CONFIG_JSON) text = decode(".dockerconfigjson");
  else if (secret.type === DOCKER_CFG) {
    text = decode(".dockercfg");
    parse = parseDockerCfg;
  } else {
    return {
      credentials: [],
      warning: `pull secret ${source} has type ${secret.type}, not a docker config`,
    };
  }
  if (text === null)
    return { credentials: [], warning: `pull secret ${source} has no docker config key` };
  const parsed = parse(text, source);
  return parsed.ok
    ? { credentials: parsed.credentials, warning: null }
    : { credentials: [], warning: parsed.message };
}

/** Thrown by a source that has no Kubernetes API to ask; its message is shown as is. */
export class PullSecretsUnavailable extends Error {
  override readonly name = "PullSecretsUnavailable";
}

function describeError(thrown: unknown): string {
  if (thrown instanceof PullSecretsUnavailable) return thrown.message;
  const code = (thrown as { code?: unknown }).code;
  if (code === 403)
    return "forbidden (does the webhook's RBAC allow get on secrets and serviceaccounts?)";
  return typeof code === "number"
    ? `API error ${code}`
    : thrown instanceof Error
      ? thrown.name
      : "error";
}

/**
 * The pod's own pull secrets first, then its ServiceAccount's (`default` when unnamed), in the
 * order the kubelet tries them. Missing secrets are skipped as the kubelet does.
 */
export async function collectPullCredentials(
  source: PullSecretSource,
  namespace: string,
  pod: PodPullSecretRefs,
): Promise<PullCredentials> {
  const warnings: string[] = [];
  const names = (pod.imagePullSecrets ?? []).map(r => r.name ?? "").filter(n => n !== "");
  const account = pod.serviceAccountName ?? "default";
  try {
    names.push(...(await source.serviceAccountPullSecrets(namespace, account)));
  } catch (thrown) {
    warnings.push(`cannot read serviceaccount ${namespace}/${account}: ${describeError(thrown)}`);
  }
  const credentials: RegistryCredential[] = [];
  for (const name of [...new Set(names)]) {
    const where = `${namespace}/${name}`;
    try {
      const secret = await source.readSecret(namespace, name);
      if (secret === null) continue;
      const found = credentialsFromSecret(secret, where);
      credentials.push(...found.credentials);
      if (found.warning !== null) warnings.push(found.warning);
    } catch (thrown) {
      warnings.push(`cannot read pull secret ${where}: ${describeError(thrown)}`);
    }
  }
  return { credentials, warnings };
}

/**
 * Reuses answers for a few seconds and shares concurrent reads, so a burst of pods from one
 * Deployment costs the API server one read per secret, not one per pod.
 */
export function cachedPullSecretSource(
  source: PullSecretSource,
  ttlMs: number,
  now: () => number = Date.now,
): PullSecretSource {
  const secrets = new ExpiringLru<string, SecretPayload | null>(4096, now);
  const accounts = new ExpiringLru<string, readonly string[]>(4096, now);
  const secretFlights = new SingleFlight<string, SecretPayload | null>();
  const accountFlights = new SingleFlight<string, readonly string[]>();
  return {
    async readSecret(namespace, name) {
      const key = `${namespace}/${name}`;
      const hit = secrets.get(key);
      if (hit !== undefined) return hit;
      const value = await secretFlights.run(key, () => source.readSecret(namespace, name));
      secrets.set(key, value, ttlMs);
      return value;
    },
    async serviceAccountPullSecrets(namespace, name) {
      const key = `${namespace}/${name}`;
      const hit = accounts.get(key);
      if (hit !== undefined) return hit;
      const value = await accountFlights.run(key, () =>
        source.serviceAccountPullSecrets(namespace, name),
      );
      accounts.set(key, value, ttlMs);
      return value;
    },
  };
}
