// PullSecretSource over @kubernetes/client-node: `get` on secrets and serviceaccounts is all the RBAC it needs.

import type { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import type { PullSecretSource, SecretPayload } from "./pull-secrets.js";

function isNotFound(thrown: unknown): boolean {
  return (thrown as { code?: unknown }).code === 404;
}

/**
 * Uses the in-cluster service account unless a KubeConfig is given. The client is loaded here,
 * not when the webhook starts: it costs about 70 MB and half a second, and a webhook that reads
 * no pull secrets (turned off, or outside a cluster) never needs it.
 */
export function createKubePullSecretSource(config?: KubeConfig): PullSecretSource {
  const api: Promise<CoreV1Api> = import("@kubernetes/client-node").then(k8s => {
    const kubeConfig = config ?? new k8s.KubeConfig();
    if (config === undefined) kubeConfig.loadFromCluster();
    return kubeConfig.makeApiClient(k8s.CoreV1Api);
  });
  // A failure to load surfaces on each read, as a warning on the review; not as a crash here.
  api.catch(() => undefined);
  return {
    async readSecret(namespace, name): Promise<SecretPayload | null> {
      try {
        const secret = await (await api).readNamespacedSecret({ name, namespace });
        return { type: secret.type ?? "", data: secret.data ?? {} };
      } catch (thrown) {
        if (isNotFound(thrown)) return null;
        throw thrown;
      }
    },
    async serviceAccountPullSecrets(namespace, name): Promise<readonly string[]> {
      try {
        const account = await (await api).readNamespacedServiceAccount({ name, namespace });
        return (account.imagePullSecrets ?? []).map(r => r.name ?? "").filter(n => n !== "");
      } catch (thrown) {
        if (isNotFound(thrown)) return [];
        throw thrown;
      }
    },
  };
}
