// PullSecretSource over @kubernetes/client-node: `get` on secrets and serviceaccounts is all the RBAC it needs.

import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import type { PullSecretSource, SecretPayload } from "./pull-secrets.js";

function isNotFound(thrown: unknown): boolean {
  return (thrown as { code?: unknown }).code === 404;
}

/** Uses the in-cluster service account unless a KubeConfig is given. */
export function createKubePullSecretSource(config?: KubeConfig): PullSecretSource {
  const kubeConfig = config ?? new KubeConfig();
  if (config === undefined) kubeConfig.loadFromCluster();
  const api = kubeConfig.makeApiClient(CoreV1Api);
  return {
    async readSecret(namespace, name): Promise<SecretPayload | null> {
      try {
        const secret = await api.readNamespacedSecret({ name, namespace });
        return { type: secret.type ?? "", data: secret.data ?? {} };
      } catch (thrown) {
        if (isNotFound(thrown)) return null;
        throw thrown;
      }
    },
    async serviceAccountPullSecrets(namespace, name): Promise<readonly string[]> {
      try {
        const account = await api.readNamespacedServiceAccount({ name, namespace });
        return (account.imagePullSecrets ?? []).map(r => r.name ?? "").filter(n => n !== "");
      } catch (thrown) {
        if (isNotFound(thrown)) return [];
        throw thrown;
      }
    },
  };
}
