// What the mutation needs from the configuration: the webhook's config narrows to this at start.

import type { ResourceRequirements } from "./pod-types.js";
import type { Nanos } from "./quantity.js";

/** The installer's most in Burstable pods; its limits are also its most in Guaranteed ones. */
export interface InstallerResources {
  readonly requirements: ResourceRequirements;
  readonly cpuRequest: Nanos;
  readonly memoryRequest: Nanos;
  readonly cpuLimit: Nanos;
  readonly memoryLimit: Nanos;
}

/**
 * How podinit reaches a pod: copied by an init container into an emptyDir (any cluster), or
 * mounted read-only from its image as an image volume (Kubernetes >= 1.35 on a runtime that
 * mounts image volumes: nothing runs before the app, nothing counts in QoS, LimitRanges or quota).
 */
export type InjectionMode = "initContainer" | "imageVolume";
export const INJECTION_MODES: readonly InjectionMode[] = ["initContainer", "imageVolume"];

/** What the webhook is configured with: a mode, or `auto` (imageVolume once every node proved it). */
export type ConfiguredMode = InjectionMode | "auto";
export const CONFIGURED_MODES: readonly ConfiguredMode[] = [...INJECTION_MODES, "auto"];

export interface MutationSettings {
  /** podinit version written into the `podinit.dev/status` annotation. */
  readonly version: string;
  readonly initImage: string;
  /** null leaves the install container's imagePullPolicy to the Kubernetes default. */
  readonly initImagePullPolicy: string | null;
  /** Where the podinit binary sits inside the init image. */
  readonly binaryPathInImage: string;
  /** Where the shared volume is mounted; the binary is `<mountPath>/podinit`. */
  readonly mountPath: string;
  /** emptyDir sizeLimit, a Kubernetes quantity. */
  readonly volumeSizeLimit: string;
  readonly excludedNamespaces: readonly string[];
  /** Containers other injectors add; wrapping them fights their own lifecycle handling. */
  readonly injectorContainers: readonly string[];
  /** Entrypoints that refuse to run unless they are PID 1 themselves. */
  readonly pid1Entrypoints: readonly string[];
  /** Taken off terminationGracePeriodSeconds so podinit kills stragglers before the kubelet does. */
  readonly graceMarginMs: number;
  /** The installer's runAsUser where it would otherwise run as root: the init image's USER. */
  readonly installerUser: number;
  readonly installerResources: InstallerResources;
  /** The mode for pods that ask for none: the configured one, or what `auto` chose. */
  readonly injectionMode: InjectionMode;
  /** Whether the API server accepts image volumes (>= 1.35); null while its version is unknown. */
  readonly imageVolumesAdmitted: boolean | null;
}

export const DEFAULT_INJECTOR_CONTAINERS: readonly string[] = Object.freeze([
  "istio-proxy",
  "istio-init",
  "istio-validation",
  "linkerd-proxy",
  "linkerd-init",
  "linkerd-network-validator",
  "vault-agent",
  "vault-agent-init",
  "consul-dataplane",
  "consul-connect-inject-init",
  "envoy-sidecar",
  "cloudsql-proxy",
  "kuma-sidecar",
  "kuma-init",
]);

export const DEFAULT_PID1_ENTRYPOINTS: readonly string[] = Object.freeze([
  "/init",
  "/sbin/init",
  "/usr/sbin/init",
  "/lib/systemd/systemd",
  "/usr/lib/systemd/systemd",
]);

export const DEFAULT_EXCLUDED_NAMESPACES: readonly string[] = Object.freeze([
  "kube-system",
  "kube-public",
  "kube-node-lease",
]);

/** The installer's default size: a 0.5 MB copy needs under 1 MiB of memory and a few ms of CPU. */
export const DEFAULT_INSTALLER_REQUESTS = "cpu=10m,memory=16Mi";
export const DEFAULT_INSTALLER_LIMITS = "cpu=100m,memory=32Mi";
/** The init image's numeric USER (images/podinit/Containerfile). */
export const DEFAULT_INSTALLER_USER = 65532;

/** The install container and the marker that a pod was already injected. */
export const INSTALL_CONTAINER_NAME = "podinit-install";
export const VOLUME_BASE_NAME = "podinit";
export const BINARY_NAME = "podinit";

/**
 * Where wrapped containers find podinit. The installer copies it to `<mountPath>/podinit`; an
 * image volume shows the image's own tree at the mount path, so the binary is where the image
 * keeps it (`/podinit` in the project's image: the same `/.podinit/podinit` in both modes).
 * The mount path comes from the config without a trailing slash. `mode` asks for the other
 * mode's path (a pod injected before the mode changed).
 */
export function binaryPath(
  settings: MutationSettings,
  mode: InjectionMode = settings.injectionMode,
): string {
  return mode === "imageVolume"
    ? `${settings.mountPath}${settings.binaryPathInImage}`
    : `${settings.mountPath}/${BINARY_NAME}`;
}
