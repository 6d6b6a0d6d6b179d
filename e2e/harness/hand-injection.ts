// Injects podinit into a pod without the webhook server: its install container and volume, with each command wrapped by hand.

import {
  DEFAULT_INSTALLER_RESOURCES,
  fitInstaller,
} from "../../webhook/src/mutation/installer-fit.js";
import {
  installContainer,
  installVolume,
  pickVolumeName,
} from "../../webhook/src/mutation/install-container.js";
import type { Volume } from "../../webhook/src/mutation/pod-types.js";
import {
  DEFAULT_EXCLUDED_NAMESPACES,
  DEFAULT_INJECTOR_CONTAINERS,
  DEFAULT_INSTALLER_USER,
  DEFAULT_PID1_ENTRYPOINTS,
  type MutationSettings,
} from "../../webhook/src/mutation/settings.js";
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

function settingsFor(image: string, installPath: string): MutationSettings {
  return {
    version: "e2e",
    initImage: image,
    initImagePullPolicy: null,
    binaryPathInImage: "/podinit",
    mountPath: installPath.slice(0, installPath.lastIndexOf("/")),
    volumeSizeLimit: "16Mi",
    excludedNamespaces: DEFAULT_EXCLUDED_NAMESPACES,
    injectorContainers: DEFAULT_INJECTOR_CONTAINERS,
    pid1Entrypoints: DEFAULT_PID1_ENTRYPOINTS,
    graceMarginMs: 2000,
    installerUser: DEFAULT_INSTALLER_USER,
    installerResources: DEFAULT_INSTALLER_RESOURCES,
    injectionMode: "initContainer",
    imageVolumesAdmitted: null,
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
