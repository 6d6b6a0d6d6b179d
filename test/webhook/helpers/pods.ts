// Small pods built in tests, for rules that a realistic fixture would hide in noise.

import { applyPatch, deepClone, type Operation } from "fast-json-patch";
import type { Container, Pod } from "../../../webhook/src/mutation/pod-types.js";
import { DEFAULT_INSTALLER_USER } from "../../../webhook/src/mutation/settings.js";

export function podWith(
  containers: Container[],
  extra: { annotations?: Record<string, string>; spec?: Record<string, unknown> } = {},
): Pod {
  const metadata =
    extra.annotations === undefined ? { name: "p" } : { name: "p", annotations: extra.annotations };
  return { apiVersion: "v1", kind: "Pod", metadata, spec: { containers, ...extra.spec } };
}

export function app(name = "app", fields: Record<string, unknown> = {}): Container {
  return { name, image: "example/app:1", command: ["/app", "serve"], ...fields };
}

/** Freezes the whole tree, so a test fails if the mutation writes into its input. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** `document` with `patch` applied by fast-json-patch, validated; neither argument is touched. */
export function patched(document: unknown, patch: readonly Operation[]): unknown {
  return applyPatch(deepClone(document), deepClone(patch) as Operation[], true, true).newDocument;
}

/** The UID podinit-install runs as: its own runAsUser, else the pod's, else the image's USER. */
export function installerUid(pod: Pod): number {
  const install = pod.spec.initContainers?.find(c => c.name === "podinit-install");
  if (install === undefined) throw new Error("the pod has no podinit-install");
  return (
    install.securityContext?.runAsUser ??
    pod.spec.securityContext?.runAsUser ??
    DEFAULT_INSTALLER_USER
  );
}
