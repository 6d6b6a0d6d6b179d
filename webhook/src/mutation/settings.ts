// What the mutation needs from the configuration: the webhook's config narrows to this at start.

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

/** The install container and the marker that a pod was already injected. */
export const INSTALL_CONTAINER_NAME = "podinit-install";
export const VOLUME_BASE_NAME = "podinit";
export const BINARY_NAME = "podinit";

/** The mount path comes from the config without a trailing slash. */
export function binaryPath(settings: MutationSettings): string {
  return `${settings.mountPath}/${BINARY_NAME}`;
}
