// Validates rendered objects against the OpenAPI schemas kubernetes-models ships (CRDs included).

import { Certificate, Issuer } from "@kubernetes-models/cert-manager/cert-manager.io/v1";
import { ServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor";
import { MutatingWebhookConfiguration } from "kubernetes-models/admissionregistration.k8s.io/v1/MutatingWebhookConfiguration";
import { DaemonSet } from "kubernetes-models/apps/v1/DaemonSet";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { ClusterRole } from "kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole";
import { ClusterRoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding";
import { Role } from "kubernetes-models/rbac.authorization.k8s.io/v1/Role";
import { RoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding";
import { Secret } from "kubernetes-models/v1/Secret";
import { Service } from "kubernetes-models/v1/Service";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";

import type { KubeObject } from "./helm-chart.js";

type Validator = (object: KubeObject) => void;

// Some constructors require fields a rendered object is not typed to have; the schema checks them.
const VALIDATORS: Readonly<Record<string, Validator>> = {
  "v1/Secret": o => new Secret(o).validate(),
  "v1/Service": o => new Service(o).validate(),
  "v1/ServiceAccount": o => new ServiceAccount(o).validate(),
  "apps/v1/Deployment": o => new Deployment(o).validate(),
  "apps/v1/DaemonSet": o => new DaemonSet(o).validate(),
  "rbac.authorization.k8s.io/v1/Role": o => new Role(o).validate(),
  "rbac.authorization.k8s.io/v1/RoleBinding": o => new RoleBinding(o as never).validate(),
  "policy/v1/PodDisruptionBudget": o => new PodDisruptionBudget(o).validate(),
  "admissionregistration.k8s.io/v1/MutatingWebhookConfiguration": o =>
    new MutatingWebhookConfiguration(o).validate(),
  "rbac.authorization.k8s.io/v1/ClusterRole": o => new ClusterRole(o).validate(),
  "rbac.authorization.k8s.io/v1/ClusterRoleBinding": o =>
    new ClusterRoleBinding(o as never).validate(),
  "networking.k8s.io/v1/NetworkPolicy": o => new NetworkPolicy(o).validate(),
  "cert-manager.io/v1/Issuer": o => new Issuer(o as never).validate(),
  "cert-manager.io/v1/Certificate": o => new Certificate(o as never).validate(),
  "monitoring.coreos.com/v1/ServiceMonitor": o => new ServiceMonitor(o as never).validate(),
};

/** Throws the schema's own complaint; an object of a kind without a schema is an error too. */
export function validateObject(object: KubeObject): void {
  const key = `${object.apiVersion}/${object.kind}`;
  const validator = VALIDATORS[key];
  if (validator === undefined) throw new Error(`no schema for ${key}: add it to kube-schema.ts`);
  // The models validate a copy, never the test's object.
  validator(structuredClone(object));
}
