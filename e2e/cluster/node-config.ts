// What each component of the test node is told in its configuration files, as pure functions of the node's layout; their command lines are in node-command-lines.ts.

import { join } from "node:path";

import type { Pki } from "./pki.js";

/** The node's fixed addresses, all inside the network namespace the harness makes for it. */
export const NODE_NAME = "podinit-node";
export const NODE_IP = "10.244.0.1";
export const POD_SUBNET = "10.244.0.0/24";
/** The `kubernetes` Service's ClusterIP: the first address of the API server's Service range (node-command-lines.ts). */
export const KUBERNETES_SERVICE_IP = "10.96.0.1";
export const BRIDGE = "cni-podinit";
export const API_PORT = 6443;
/** containerd listens inside the node's own /run, a tmpfs the host never sees. */
export const CONTAINERD_SOCKET = "/run/containerd/containerd.sock";

/**
 * The kubelet raises these at start unless they already hold these values. They are not per
 * namespace, so the harness bind-mounts files holding them over /proc/sys inside the node's mount
 * namespace: the kubelet reads "already set" and the host's values stay as they are.
 */
export const KUBELET_SYSCTLS: Readonly<Record<string, string>> = {
  "vm/overcommit_memory": "1",
  "vm/panic_on_oom": "0",
  "kernel/panic": "10",
  "kernel/panic_on_oops": "1",
  "kernel/keys/root_maxkeys": "1000000",
  "kernel/keys/root_maxbytes": "25000000",
};

export type ContainerdFlavour =
  /** Debian's containerd 1.x: config version 2, one CRI plugin. */
  | "v1"
  /** containerd 2.x: config version 3, the CRI plugin split into images and runtime. */
  | "v2";

export interface NodeLayout {
  /** The cluster's folder: configuration, certificates, data and logs. */
  readonly dir: string;
  readonly pki: Pki;
  /** The kubelet's cgroup root, one per cluster folder, removed at teardown. */
  readonly cgroupRoot: string;
  readonly containerd: ContainerdFlavour;
  readonly pauseImage: string;
  readonly cniBinDir: string;
  readonly runcBinary: string;
}

export function layoutPaths(dir: string) {
  return {
    etcdData: join(dir, "etcd"),
    containerdRoot: join(dir, "containerd"),
    containerdConfig: join(dir, "config", "containerd.toml"),
    cniConfDir: join(dir, "config", "cni"),
    kubeletRoot: join(dir, "kubelet"),
    kubeletConfig: join(dir, "config", "kubelet.yaml"),
    kubeProxyConfig: join(dir, "config", "kube-proxy.yaml"),
    kubeconfigDir: join(dir, "config"),
    logs: join(dir, "logs"),
  };
}

export function kubeconfigPath(dir: string, user: string): string {
  return join(layoutPaths(dir).kubeconfigDir, `${user}.kubeconfig`);
}

/** A kubeconfig for `user`'s client certificate; the API server is reached on the node's loopback. */
export function kubeconfig(pki: Pki, user: string): string {
  const server = `https://127.0.0.1:${API_PORT}`;
  return JSON.stringify(
    {
      apiVersion: "v1",
      kind: "Config",
      clusters: [
        { name: "podinit-test", cluster: { server, "certificate-authority": pki.caCert } },
      ],
      users: [
        {
          name: user,
          user: { "client-certificate": pki.cert(user), "client-key": pki.key(user) },
        },
      ],
      contexts: [{ name: "podinit-test", context: { cluster: "podinit-test", user } }],
      "current-context": "podinit-test",
    },
    null,
    2,
  );
}

export function containerdConfig(layout: NodeLayout): string {
  const paths = layoutPaths(layout.dir);
  const q = JSON.stringify;
  const common = [
    `root = ${q(paths.containerdRoot)}`,
    `state = "/run/containerd"`,
    "[grpc]",
    `  address = ${q(CONTAINERD_SOCKET)}`,
    // Its default, /opt/containerd, is on the host.
    `[plugins."io.containerd.internal.v1.opt"]`,
    `  path = ${q(join(layout.dir, "containerd-opt"))}`,
  ];
  const runc = (plugin: string, containerdTable: readonly string[] = []) => [
    `[plugins.${q(plugin)}.containerd]`,
    `  default_runtime_name = "runc"`,
    ...containerdTable,
    `[plugins.${q(plugin)}.containerd.runtimes.runc]`,
    `  runtime_type = "io.containerd.runc.v2"`,
    `[plugins.${q(plugin)}.containerd.runtimes.runc.options]`,
    `  BinaryName = ${q(layout.runcBinary)}`,
    "  SystemdCgroup = false",
  ];
  // This VM has no CAP_SYS_RESOURCE: without the restriction runc cannot set the kubelet's -998.
  if (layout.containerd === "v1") {
    const cri = "io.containerd.grpc.v1.cri";
    return [
      "version = 2",
      ...common,
      `[plugins.${q(cri)}]`,
      `  sandbox_image = ${q(layout.pauseImage)}`,
      "  restrict_oom_score_adj = true",
      ...runc(cri, [`  snapshotter = "overlayfs"`]),
      `[plugins.${q(cri)}.cni]`,
      `  bin_dir = ${q(layout.cniBinDir)}`,
      `  conf_dir = ${q(paths.cniConfDir)}`,
      "",
    ].join("\n");
  }
  const images = "io.containerd.cri.v1.images";
  const runtime = "io.containerd.cri.v1.runtime";
  return [
    "version = 3",
    ...common,
    `[plugins.${q(images)}]`,
    `  snapshotter = "overlayfs"`,
    `[plugins.${q(images)}.pinned_images]`,
    `  sandbox = ${q(layout.pauseImage)}`,
    `[plugins.${q(runtime)}]`,
    "  restrict_oom_score_adj = true",
    ...runc(runtime),
    `[plugins.${q(runtime)}.cni]`,
    `  bin_dirs = [${q(layout.cniBinDir)}]`,
    `  conf_dir = ${q(paths.cniConfDir)}`,
    "",
  ].join("\n");
}

/** Bridge CNI on a bridge the harness made, whose address is the node's: no NAT, no iptables. */
export function cniConfig(): string {
  return JSON.stringify(
    {
      cniVersion: "0.4.0",
      name: "podinit-test",
      plugins: [
        {
          type: "bridge",
          bridge: BRIDGE,
          isGateway: true,
          ipMasq: false,
          hairpinMode: true,
          ipam: {
            type: "host-local",
            ranges: [[{ subnet: POD_SUBNET, gateway: NODE_IP, rangeStart: "10.244.0.10" }]],
            routes: [{ dst: "0.0.0.0/0" }],
          },
        },
        { type: "loopback" },
      ],
    },
    null,
    2,
  );
}

/**
 * kube-proxy in iptables mode, inside the node's own network namespace: Services' ClusterIPs work
 * for pods, as on any real node (the webhook reaches the API server through `kubernetes`'s).
 * The conntrack and route_localnet settings it would write are left alone: they are not needed
 * for ClusterIPs, and the node's sysctls are set once by its setup.
 */
export function kubeProxyConfig(dir: string): string {
  return JSON.stringify(
    {
      apiVersion: "kubeproxy.config.k8s.io/v1alpha1",
      kind: "KubeProxyConfiguration",
      clientConnection: { kubeconfig: kubeconfigPath(dir, "kube-proxy") },
      hostnameOverride: NODE_NAME,
      mode: "iptables",
      clusterCIDR: POD_SUBNET,
      conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: "0s", tcpCloseWaitTimeout: "0s" },
      iptables: { localhostNodePorts: false },
      metricsBindAddress: "127.0.0.1:10249",
      healthzBindAddress: "127.0.0.1:10256",
    },
    null,
    2,
  );
}

export function kubeletConfig(layout: NodeLayout): string {
  return JSON.stringify(
    {
      apiVersion: "kubelet.config.k8s.io/v1beta1",
      kind: "KubeletConfiguration",
      address: NODE_IP,
      readOnlyPort: 0,
      authentication: {
        anonymous: { enabled: false },
        webhook: { enabled: true },
        x509: { clientCAFile: layout.pki.caCert },
      },
      authorization: { mode: "Webhook" },
      containerRuntimeEndpoint: `unix://${CONTAINERD_SOCKET}`,
      cgroupDriver: "cgroupfs",
      cgroupRoot: layout.cgroupRoot,
      // This machine has cgroup v1 (hybrid); Kubernetes 1.35 and later refuse it unless told.
      failCgroupV1: false,
      // The kubelet's own chains would change the node's iptables for nothing a test uses.
      makeIPTablesUtilChains: false,
      // No CAP_SYS_RESOURCE here: a negative score for the kubelet itself would only log errors.
      oomScoreAdj: 0,
      failSwapOn: false,
      resolvConf: "",
      // Its default, /usr/libexec/kubernetes/kubelet-plugins/volume/exec, is on the host.
      volumePluginDir: join(layout.dir, "kubelet-plugins"),
      // Images are imported, never pulled: garbage collection must not remove them.
      imageGCHighThresholdPercent: 100,
      imageGCLowThresholdPercent: 99,
      evictionHard: {
        "memory.available": "100Mi",
        "nodefs.available": "1%",
        "imagefs.available": "1%",
      },
      serializeImagePulls: false,
    },
    null,
    2,
  );
}

/** The client identities: user name (file name) → certificate subject. */
export const CLIENT_IDENTITIES: readonly { user: string; cn: string; o?: string }[] = [
  { user: "admin", cn: "podinit-admin", o: "system:masters" },
  { user: "kubelet", cn: `system:node:${NODE_NAME}`, o: "system:nodes" },
  { user: "controller-manager", cn: "system:kube-controller-manager" },
  { user: "scheduler", cn: "system:kube-scheduler" },
  // Bound to the system:node-proxier ClusterRole by the API server's bootstrap policy.
  { user: "kube-proxy", cn: "system:kube-proxy" },
  { user: "apiserver-kubelet-client", cn: "kube-apiserver-kubelet-client", o: "system:masters" },
];

export const API_SERVER_NAMES: readonly string[] = [
  "DNS:kubernetes",
  "DNS:kubernetes.default",
  "DNS:kubernetes.default.svc",
  "DNS:kubernetes.default.svc.cluster.local",
  "DNS:localhost",
  "IP:127.0.0.1",
  `IP:${NODE_IP}`,
  `IP:${KUBERNETES_SERVICE_IP}`,
];
