// The `podinit.dev/status` annotation: what the webhook did to a pod, readable with kubectl.

import type { ContainerSkipReason } from "./select-containers.js";
import type { RecordedSkipReason } from "./pod-skip.js";
import type { QosClass } from "./pod-qos.js";
import type { InjectionMode } from "./settings.js";

export interface InjectedStatus {
  readonly version: string;
  readonly decision: "injected";
  readonly wrapped: readonly string[];
  readonly skipped: Readonly<Record<string, ContainerSkipReason>>;
  /** The pod's QoS class, which the installer was sized to keep. */
  readonly qos: QosClass;
  /** How podinit reached the pod. */
  readonly mode: InjectionMode;
}

export interface SkippedStatus {
  readonly version: string;
  readonly decision: "skipped";
  readonly reason: RecordedSkipReason;
  readonly skipped?: Readonly<Record<string, ContainerSkipReason>>;
}

export type PodStatus = InjectedStatus | SkippedStatus;

/** Compact JSON with a fixed key order, so the same decision always gives the same text. */
export function formatStatus(status: PodStatus): string {
  return JSON.stringify(status);
}
