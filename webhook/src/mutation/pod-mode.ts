// Which way podinit reaches one pod: its `podinit.dev/mode`, else its namespace's or the cluster's, never one the API server would reject.

import { ANNOTATION_PREFIX, podAnnotation, type Annotations } from "./annotations.js";
import { INJECTION_MODES, type InjectionMode, type MutationSettings } from "./settings.js";

export interface PodMode {
  /** The settings to inject with: `settings` itself unless the pod's mode differs. */
  readonly settings: MutationSettings;
  readonly warning: string | null;
}

/** Accepted in `podinit.dev/mode`; `auto` means "what the namespace or the cluster chose". */
export const MODE_VALUES: readonly string[] = [...INJECTION_MODES, "auto"];

/** `settings` with another mode, the same object when nothing changes. */
export function withMode(settings: MutationSettings, mode: InjectionMode): MutationSettings {
  return settings.injectionMode === mode ? settings : { ...settings, injectionMode: mode };
}

/**
 * An API server before 1.35 drops `volumes[].image` (or refuses it) and then rejects the pod for
 * a volume without a source: a pod that asks for an image volume there gets the init container
 * and a warning instead, so asking never costs the pod. While the server's version is unknown the
 * request is trusted: it was written by someone who knows the cluster.
 */
export function podMode(annotations: Annotations, settings: MutationSettings): PodMode {
  const asked = podAnnotation(annotations, "mode")?.trim() ?? null;
  let warning: string | null = null;
  let mode = settings.injectionMode;
  if (asked !== null && asked !== "auto") {
    const known = INJECTION_MODES.find(m => m === asked);
    if (known === undefined)
      warning = `annotation ${ANNOTATION_PREFIX}mode: '${asked}' is not one of ${MODE_VALUES.join(", ")}; using ${mode}`;
    else mode = known;
  }
  if (mode === "imageVolume" && settings.imageVolumesAdmitted === false) {
    mode = "initContainer";
    warning =
      "podinit was added with an init container: image volumes need Kubernetes 1.35 or later, and this API server is older";
  }
  return { settings: withMode(settings, mode), warning };
}
