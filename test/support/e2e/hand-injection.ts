// Injects podinit into a pod without the webhook server: its install container and volume, with each command wrapped by hand.

import { fitInstaller } from "../../../webhook/src/mutation/installer-fit.js";
import {
  installContainer,
  installVolume,
  pickVolumeName,
} from "../../../webhook/src/mutation/install-container.js";
import type { Volume } from "../../../webhook/src/mutation/pod-types.js";
import type { MutationSettings } from "../../../webhook/src/mutation/settings.js";
import { TEST_SETTINGS } from "../webhook/settings.js";
import { HarnessError } from "./harness-error.js";
import type { ContainerManifest, PodManifest } from "./pod-manifest.js";
import { DEFAULT_INSTALL_PATH } from "./podinit-image.js";

export interface HandInjection {
  /** The podinit image (see podinitImage); its binary sits at /podinit. */
  readonly image: string;
  /** podinit's options, placed before `--`: exactly these, so a test controls them all. */
  readonly flags?: readonly string[];
  /** Where the binary is installed; the emptyDir is mounted on its directory. */
  readonly installPath?: string;
}

/** The tests' deployment settings, with this image and install path. */
function settingsFor(image: string, installPath: string): MutationSettings {
  return {
    ...TEST_SETTINGS,
    version: "e2e",
    initImage: image,
    mountPath: installPath.slice(0, installPath.lastIndexOf("/")),
    volumeSizeLimit: "16Mi",
  };
}

/** Kubernetes' command/args semantics: args follow command, so podinit goes in front of both. */
function wrap(
  container: ContainerManifest,
  mount: { readonly name: string; readonly mountPath: string },
  installPath: string,
  flags: readonly string[],
): ContainerManifest {
  if (container.command === undefined) {
    throw new HarnessError(
      "ERR_POD_INVALID",
      `container ${container.name} has no command: the webhook would skip it (no-command), give it one`,
    );
  }
  const mounts = (container["volumeMounts"] as readonly unknown[] | undefined) ?? [];
  return {
    ...container,
    command: [installPath, ...flags, "--", ...container.command],
    volumeMounts: [...mounts, { ...mount, readOnly: true }],
  };
}

export function injectByHand(pod: PodManifest, injection: HandInjection): PodManifest {
  const installPath = injection.installPath ?? DEFAULT_INSTALL_PATH;
  const settings = settingsFor(injection.image, installPath);
  const volumes = (pod.spec["volumes"] as readonly Volume[] | undefined) ?? [];
  const volumeName = pickVolumeName(volumes);
  const mount = { name: volumeName, mountPath: settings.mountPath };
  return {
    ...pod,
    metadata: { ...pod.metadata, name: `${pod.metadata.name}-podinit` },
    spec: {
      ...pod.spec,
      volumes: [...volumes, installVolume(volumeName, settings)],
      initContainers: [
        installContainer(volumeName, settings, fitInstaller(pod, settings)),
        ...(pod.spec.initContainers ?? []),
      ],
      containers: pod.spec.containers.map(c => wrap(c, mount, installPath, injection.flags ?? [])),
    },
  };
}
