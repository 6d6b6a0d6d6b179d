// The volume podinit reaches pods through: an emptyDir its init container copies it into, or its image mounted as a volume.

import type { InstallerFit } from "./installer-fit.js";
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

/** A name pickVolumeName could have given: how a volume the webhook added is told from the pod's own. */
export function isPickedVolumeName(name: string): boolean {
  return name === VOLUME_BASE_NAME || new RegExp(`^${VOLUME_BASE_NAME}-[1-9][0-9]*$`).test(name);
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
 * The podinit image itself, mounted read-only where the wrapped containers mount the volume. The
 * kubelet pulls it with the pod's imagePullSecrets, as it does the containers' images.
 */
export function imageVolume(name: string, settings: MutationSettings): Volume {
  const image: Record<string, string> = { reference: settings.initImage };
  if (settings.initImagePullPolicy !== null) image["pullPolicy"] = settings.initImagePullPolicy;
  return deepFreeze({ name, image });
}

/**
 * Runs `podinit install` from the init image, sized and identified for the pod by `fit`. The
 * securityContext passes Pod Security Admission "restricted" on its own, and sets a runAsUser
 * only where the pod's would make it root: otherwise the image's numeric USER applies, so
 * platforms that assign UIDs per namespace (OpenShift) can still override it.
 */
export function installContainer(
  volumeName: string,
  settings: MutationSettings,
  fit: Pick<InstallerFit, "resources" | "runAsUser">,
): Container {
  // Most pods get one of four containers per settings: build each once, frozen.
  const shared =
    volumeName === VOLUME_BASE_NAME &&
    (fit.resources === null || fit.resources === settings.installerResources.requirements);
  if (!shared) return buildInstallContainer(volumeName, settings, fit);
  const key = `${fit.resources === null ? "none" : "sized"}|${fit.runAsUser ?? ""}`;
  let cache = CACHE.get(settings);
  if (cache === undefined) CACHE.set(settings, (cache = new Map<string, Container>()));
  let built = cache.get(key);
  if (built === undefined)
    cache.set(key, (built = buildInstallContainer(volumeName, settings, fit)));
  return built;
}

const CACHE = new WeakMap<MutationSettings, Map<string, Container>>();

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

function buildInstallContainer(
  volumeName: string,
  settings: MutationSettings,
  fit: Pick<InstallerFit, "resources" | "runAsUser">,
): Container {
  const container: Record<string, unknown> = {
    name: INSTALL_CONTAINER_NAME,
    image: settings.initImage,
    command: [settings.binaryPathInImage, "install", binaryPath(settings)],
  };
  if (fit.resources !== null) container["resources"] = fit.resources;
  container["securityContext"] = {
    runAsNonRoot: true,
    ...(fit.runAsUser === null ? {} : { runAsUser: fit.runAsUser }),
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  };
  container["terminationMessagePolicy"] = "FallbackToLogsOnError";
  container["volumeMounts"] = [{ name: volumeName, mountPath: settings.mountPath }];
  if (settings.initImagePullPolicy !== null) {
    container["imagePullPolicy"] = settings.initImagePullPolicy;
  }
  return deepFreeze(container as Container);
}
