// Chooses where pull secrets come from: the in-cluster API, or nowhere (tests, e2e, demo) with a notice.

import { createKubePullSecretSource } from "./kube-pull-secret-source.js";
import { PullSecretsUnavailable, type PullSecretSource } from "./pull-secrets.js";

export interface PullSecretAccess {
  readonly source: PullSecretSource | undefined;
  /** Said once at start-up when pull secrets were asked for but cannot be read. */
  readonly notice: string | null;
}

const OUTSIDE_CLUSTER =
  "pull secrets cannot be read outside a cluster (KUBERNETES_SERVICE_HOST is unset); lookups go anonymously";

/**
 * Outside a cluster there is no service account to read secrets with. Rather than refuse to
 * start, lookups go anonymously: pods that name pull secrets get a warning saying why theirs were
 * not used, and a private image then fails its lookup like any other (the pod is still admitted).
 */
export function pullSecretAccess(
  wanted: boolean,
  env: Readonly<Record<string, string | undefined>>,
): PullSecretAccess {
  if (!wanted) return { source: undefined, notice: null };
  if ((env["KUBERNETES_SERVICE_HOST"] ?? "") !== "") {
    return { source: createKubePullSecretSource(), notice: null };
  }
  return { source: unavailablePullSecrets(), notice: OUTSIDE_CLUSTER };
}

function unavailablePullSecrets(): PullSecretSource {
  return {
    readSecret: () =>
      Promise.reject(new PullSecretsUnavailable("not read, the webhook runs outside a cluster")),
    // Every pod has a ServiceAccount: warning about it on every review would only be noise.
    serviceAccountPullSecrets: () => Promise.resolve([]),
  };
}
