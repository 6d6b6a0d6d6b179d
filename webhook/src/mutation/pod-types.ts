// The few Pod fields the mutation reads, typed loosely: every object keeps the fields we don't know.

/** Any JSON object; unknown fields must survive the mutation untouched. */
export interface JsonObject {
  readonly [key: string]: unknown;
}

export interface VolumeMount extends JsonObject {
  readonly name: string;
  readonly mountPath: string;
  readonly readOnly?: boolean;
}

export interface SecurityContext extends JsonObject {
  readonly runAsNonRoot?: boolean;
  readonly runAsUser?: number;
  readonly allowPrivilegeEscalation?: boolean;
  readonly windowsOptions?: { readonly hostProcess?: boolean };
}

/** Quantities by resource name ("cpu", "memory", …), as text: parsed only where needed. */
export type ResourceList = Readonly<Record<string, unknown>>;

export interface ResourceRequirements extends JsonObject {
  readonly requests?: ResourceList;
  readonly limits?: ResourceList;
}

export interface Container extends JsonObject {
  readonly name: string;
  readonly image?: string;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly volumeMounts?: readonly VolumeMount[];
  /** Only on init containers: "Always" makes it a native sidecar. */
  readonly restartPolicy?: string;
  readonly securityContext?: SecurityContext;
  readonly resources?: ResourceRequirements;
}

export interface Volume extends JsonObject {
  readonly name: string;
}

export interface PodSpec extends JsonObject {
  readonly containers: readonly Container[];
  readonly initContainers?: readonly Container[];
  readonly volumes?: readonly Volume[];
  readonly terminationGracePeriodSeconds?: number;
  readonly os?: { readonly name?: string };
  readonly nodeSelector?: Readonly<Record<string, string>>;
  readonly securityContext?: SecurityContext;
  readonly affinity?: JsonObject;
  /** Pod-level resources (PodLevelResources): when set, they alone decide the QoS class. */
  readonly resources?: ResourceRequirements;
}

export interface ObjectMeta extends JsonObject {
  readonly name?: string;
  readonly generateName?: string;
  readonly namespace?: string;
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface Pod extends JsonObject {
  readonly metadata?: ObjectMeta;
  readonly spec: PodSpec;
}

/** True for a non-null, non-array object. */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
