// The command line each component of the test node is started with, as pure functions of the cluster folder and its certificates.

import { join } from "node:path";

import { API_PORT, kubeconfigPath, layoutPaths, NODE_IP, NODE_NAME } from "./node-config.js";
import type { Pki } from "./pki.js";

/** Services' ClusterIPs; its first address is node-config's KUBERNETES_SERVICE_IP, which the API server's certificate names. */
const SERVICE_SUBNET = "10.96.0.0/16";

export function etcdArgs(dir: string): string[] {
  return [
    "--name=podinit-test",
    `--data-dir=${layoutPaths(dir).etcdData}`,
    "--listen-client-urls=http://127.0.0.1:2379",
    "--advertise-client-urls=http://127.0.0.1:2379",
    "--listen-peer-urls=http://127.0.0.1:2380",
    "--initial-advertise-peer-urls=http://127.0.0.1:2380",
    "--initial-cluster=podinit-test=http://127.0.0.1:2380",
    // A throwaway cluster: durability is not worth the fsync latency on a shared disk.
    "--unsafe-no-fsync",
    "--log-level=warn",
  ];
}

export function apiServerArgs(pki: Pki): string[] {
  return [
    "--etcd-servers=http://127.0.0.1:2379",
    `--advertise-address=${NODE_IP}`,
    "--bind-address=0.0.0.0",
    `--secure-port=${API_PORT}`,
    `--client-ca-file=${pki.caCert}`,
    `--tls-cert-file=${pki.cert("apiserver")}`,
    `--tls-private-key-file=${pki.key("apiserver")}`,
    `--kubelet-client-certificate=${pki.cert("apiserver-kubelet-client")}`,
    `--kubelet-client-key=${pki.key("apiserver-kubelet-client")}`,
    "--kubelet-preferred-address-types=InternalIP",
    `--service-account-key-file=${pki.serviceAccountPub}`,
    `--service-account-signing-key-file=${pki.serviceAccountKey}`,
    "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
    `--service-cluster-ip-range=${SERVICE_SUBNET}`,
    "--authorization-mode=Node,RBAC",
    // Defaults (LimitRanger, ResourceQuota, PodSecurity, the webhooks…) plus what kubeadm adds.
    "--enable-admission-plugins=NodeRestriction",
    "--allow-privileged=true",
    // No kube-proxy on the test node: the API server dials a webhook's endpoint, not its Service IP.
    "--enable-aggregator-routing=true",
    "--profiling=false",
    "--v=1",
  ];
}

export function controllerManagerArgs(dir: string, pki: Pki): string[] {
  return [
    `--kubeconfig=${kubeconfigPath(dir, "controller-manager")}`,
    `--authentication-kubeconfig=${kubeconfigPath(dir, "controller-manager")}`,
    `--authorization-kubeconfig=${kubeconfigPath(dir, "controller-manager")}`,
    `--service-account-private-key-file=${pki.serviceAccountKey}`,
    `--root-ca-file=${pki.caCert}`,
    "--use-service-account-credentials=true",
    // Like the kubelet's, its default is under /usr/libexec on the host.
    `--flex-volume-plugin-dir=${join(dir, "kubelet-plugins")}`,
    `--service-cluster-ip-range=${SERVICE_SUBNET}`,
    "--leader-elect=false",
    "--bind-address=127.0.0.1",
    "--v=1",
  ];
}

export function schedulerArgs(dir: string): string[] {
  return [
    `--kubeconfig=${kubeconfigPath(dir, "scheduler")}`,
    `--authentication-kubeconfig=${kubeconfigPath(dir, "scheduler")}`,
    `--authorization-kubeconfig=${kubeconfigPath(dir, "scheduler")}`,
    "--leader-elect=false",
    "--bind-address=127.0.0.1",
    "--v=1",
  ];
}

export function kubeletArgs(dir: string): string[] {
  const paths = layoutPaths(dir);
  return [
    `--config=${paths.kubeletConfig}`,
    `--kubeconfig=${kubeconfigPath(dir, "kubelet")}`,
    `--root-dir=${paths.kubeletRoot}`,
    `--hostname-override=${NODE_NAME}`,
    `--node-ip=${NODE_IP}`,
    "--v=1",
  ];
}
