// An in-memory PullSecretSource with read counts, standing in for the Kubernetes API.

import type { PullSecretSource, SecretPayload } from "../../webhook/src/registry/pull-secrets.js";

export interface FakePullSecrets extends PullSecretSource {
  readonly reads: string[];
}

export function dockerConfigSecret(
  host: string,
  username: string,
  password: string,
): SecretPayload {
  const config = JSON.stringify({
    auths: { [host]: { auth: Buffer.from(`${username}:${password}`).toString("base64") } },
  });
  return {
    type: "kubernetes.io/dockerconfigjson",
    data: { ".dockerconfigjson": Buffer.from(config).toString("base64") },
  };
}

export function fakePullSecrets(
  secrets: Readonly<Record<string, SecretPayload>>,
  accounts: Readonly<Record<string, readonly string[]>> = {},
  failing: ReadonlySet<string> = new Set(),
): FakePullSecrets {
  const reads: string[] = [];
  return {
    reads,
    readSecret(namespace, name) {
      reads.push(`secret ${namespace}/${name}`);
      if (failing.has(`${namespace}/${name}`))
        return Promise.reject(Object.assign(new Error("forbidden"), { code: 403 }));
      return Promise.resolve(secrets[`${namespace}/${name}`] ?? null);
    },
    serviceAccountPullSecrets(namespace, name) {
      reads.push(`serviceaccount ${namespace}/${name}`);
      return Promise.resolve(accounts[`${namespace}/${name}`] ?? []);
    },
  };
}
