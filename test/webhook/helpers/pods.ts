// Small pods built in tests, for rules that a realistic fixture would hide in noise.

import { applyPatch, deepClone, type Operation } from "fast-json-patch";
import {
  admitPod,
  noEntrypointResolver,
  type AdmissionOutcome,
} from "../../../webhook/src/admission/admit-pod.js";
import type { AdmissionRequest } from "../../../webhook/src/admission/types.js";
import type { Container, Pod } from "../../../webhook/src/mutation/pod-types.js";
import {
  DEFAULT_INSTALLER_USER,
  type MutationSettings,
} from "../../../webhook/src/mutation/settings.js";
import { TEST_SETTINGS } from "../../support/webhook/settings.js";

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

/** What an update of the stored pod sends, changed by `edit` container by container. */
export function updateOf(stored: Pod, edit: (c: Container) => Container): Pod {
  const init = stored.spec.initContainers;
  return {
    ...stored,
    spec: {
      ...stored.spec,
      ...(init === undefined ? {} : { initContainers: init.map(edit) }),
      containers: stored.spec.containers.map(edit),
    },
  };
}

/** The pod UPDATE review the API server sends for `pod`, stored as `oldPod`. */
export function updateReview(pod: Pod, oldPod: unknown): AdmissionRequest {
  return {
    uid: "u",
    kind: { group: "", version: "v1", kind: "Pod" },
    operation: "UPDATE",
    namespace: "apps",
    object: deepFreeze(deepClone(pod)),
    oldObject: deepFreeze(deepClone(oldPod)),
  };
}

/** The webhook's answer to that update (an update never waits for a registry lookup). */
export function admitUpdate(
  pod: Pod,
  oldPod: unknown,
  settings: MutationSettings = TEST_SETTINGS,
): AdmissionOutcome {
  const outcome = admitPod(updateReview(pod, oldPod), settings, noEntrypointResolver);
  if (outcome instanceof Promise) throw new Error("an update never waits for a lookup");
  return outcome;
}
