// The shared volume and the init container that copies podinit into it.

import type { Container, Volume } from "./pod-types.js";
import {
  binaryPath,
  INSTALL_CONTAINER_NAME,
  VOLUME_BASE_NAME,
  type MutationSettings,
} from "./settings.js";

/** `podinit`, or `podinit-1`, `podinit-2`… when the pod already has a volume of that name. */
export function pickVolumeName(volumes: readonly Volume[]): string {
  const taken = new Set(volumes.map(v => v.name));
  let name = VOLUME_BASE_NAME;
  for (let n = 1; taken.has(name); n++) name = `${VOLUME_BASE_NAME}-${n}`;
  return name;
}

export function installVolume(name: string, settings: MutationSettings): Volume {
  const cached = name === VOLUME_BASE_NAME ? VOLUMES.get(settings) : undefined;
  if (cached !== undefined) return cached;
  const built = deepFreeze({ name, emptyDir: { sizeLimit: settings.volumeSizeLimit } });
  if (name === VOLUME_BASE_NAME) VOLUMES.set(settings, built);
  return built;
}

const VOLUMES = new WeakMap<MutationSettings, Volume>();

/**
 * Runs `podinit install` from the init image. The securityContext passes Pod Security Admission
 * "restricted" on its own, and sets no runAsUser: the image's numeric USER applies, so platforms
 * that assign UIDs per namespace (OpenShift) can still override it.
 */
export function installContainer(volumeName: string, settings: MutationSettings): Container {
  // The same for every pod with the usual volume name: build it once per settings, frozen.
  const cached = volumeName === VOLUME_BASE_NAME ? CACHE.get(settings) : undefined;
  if (cached !== undefined) return cached;
  const built = buildInstallContainer(volumeName, settings);
  if (volumeName === VOLUME_BASE_NAME) CACHE.set(settings, built);
  return built;
}

const CACHE = new WeakMap<MutationSettings, Container>();

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

function buildInstallContainer(volumeName: string, settings: MutationSettings): Container {
  const container: Record<string, unknown> = {
    name: INSTALL_CONTAINER_NAME,
    image: settings.initImage,
    command: [settings.binaryPathInImage, "install", binaryPath(settings)],
    resources: {
      // Tiny on purpose: a pod's effective request is the max of its init containers and the sum
      // of its containers, so this never changes where or whether the pod schedules.
      requests: { cpu: "10m", memory: "16Mi" },
      limits: { cpu: "100m", memory: "32Mi" },
    },
    securityContext: {
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    },
    terminationMessagePolicy: "FallbackToLogsOnError",
    volumeMounts: [{ name: volumeName, mountPath: settings.mountPath }],
  };
  if (settings.initImagePullPolicy !== null) {
    container["imagePullPolicy"] = settings.initImagePullPolicy;
  }
  return deepFreeze(container as Container);
}
