// Gathers a pod's registry credentials from its imagePullSecrets and its ServiceAccount's, as the kubelet does.

import { parseDockerCfg, parseDockerConfigJson, type RegistryCredential } from "./docker-config.js";
import { ExpiringLru, SingleFlight } from "../bounded-caches.js";

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

/** Names from the pod's imagePullSecrets, in order; its ServiceAccount's come after them. */
function podSecretNames(pod: PodPullSecretRefs): string[] {
  return (pod.imagePullSecrets ?? []).map(r => r.name ?? "").filter(n => n !== "");
}

/**
 * Parsing a secret per review would cost more than the rest of a cached lookup, and new
 * credential objects would defeat the client's per-credential memory.
 */
const parsedSecrets = new WeakMap<
  SecretPayload,
  { readonly where: string; readonly found: ReturnType<typeof credentialsFromSecret> }
>();

function addSecret(
  secret: SecretPayload,
  where: string,
  credentials: RegistryCredential[],
  warnings: string[],
): void {
  let parsed = parsedSecrets.get(secret);
  if (parsed?.where !== where) {
    parsed = { where, found: credentialsFromSecret(secret, where) };
    parsedSecrets.set(secret, parsed);
  }
  const found = parsed.found;
  credentials.push(...found.credentials);
  if (found.warning !== null) warnings.push(found.warning);
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
  const names = podSecretNames(pod);
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
      if (secret !== null) addSecret(secret, where, credentials, warnings);
    } catch (thrown) {
      warnings.push(`cannot read pull secret ${where}: ${describeError(thrown)}`);
    }
  }
  return { credentials, warnings };
}

/**
 * What collectPullCredentials would answer, without waiting, when the source holds everything
 * it would read; undefined otherwise. The usual review then needs no timer and no promise.
 */
export function cachedPullCredentials(
  source: CachedPullSecretSource,
  namespace: string,
  pod: PodPullSecretRefs,
): PullCredentials | undefined {
  const names = podSecretNames(pod);
  const fromAccount = source.peekServiceAccount(namespace, pod.serviceAccountName ?? "default");
  if (fromAccount === undefined) return undefined;
  names.push(...fromAccount);
  const credentials: RegistryCredential[] = [];
  const warnings: string[] = [];
  for (const name of new Set(names)) {
    const secret = source.peekSecret(namespace, name);
    if (secret === undefined) return undefined;
    if (secret !== null) addSecret(secret, `${namespace}/${name}`, credentials, warnings);
  }
  return { credentials, warnings };
}

/** A source that also tells, synchronously, what it holds (undefined: it would have to ask). */
export interface CachedPullSecretSource extends PullSecretSource {
  peekSecret(namespace: string, name: string): SecretPayload | null | undefined;
  peekServiceAccount(namespace: string, name: string): readonly string[] | undefined;
}

/**
 * Reuses answers for a few seconds and shares concurrent reads, so a burst of pods from one
 * Deployment costs the API server one read per secret, not one per pod. Failed reads are not
 * kept: the next review asks again.
 */
export function cachedPullSecretSource(
  source: PullSecretSource,
  ttlMs: number,
  now: () => number = Date.now,
): CachedPullSecretSource {
  const secrets = new ExpiringLru<string, SecretPayload | null>(4096, now);
  const accounts = new ExpiringLru<string, readonly string[]>(4096, now);
  const secretFlights = new SingleFlight<string, SecretPayload | null>();
  const accountFlights = new SingleFlight<string, readonly string[]>();
  return {
    peekSecret: (namespace, name) => secrets.get(`${namespace}/${name}`),
    peekServiceAccount: (namespace, name) => accounts.get(`${namespace}/${name}`),
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
