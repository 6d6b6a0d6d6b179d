// Mutation settings as a test deployment would configure them.

import { DEFAULT_INSTALLER_RESOURCES } from "../../../webhook/src/mutation/installer-fit.js";
import type { MutationSettings } from "../../../webhook/src/mutation/settings.js";
import {
  DEFAULT_EXCLUDED_NAMESPACES,
  DEFAULT_INJECTOR_CONTAINERS,
  DEFAULT_INSTALLER_USER,
  DEFAULT_PID1_ENTRYPOINTS,
} from "../../../webhook/src/mutation/settings.js";

export const TEST_SETTINGS: MutationSettings = Object.freeze({
  version: "0.1.0-test",
  initImage: "ghcr.io/podinit/podinit:0.1.0",
  initImagePullPolicy: null,
  binaryPathInImage: "/podinit",
  mountPath: "/.podinit",
  volumeSizeLimit: "8Mi",
  excludedNamespaces: DEFAULT_EXCLUDED_NAMESPACES,
  injectorContainers: DEFAULT_INJECTOR_CONTAINERS,
  pid1Entrypoints: DEFAULT_PID1_ENTRYPOINTS,
  graceMarginMs: 2000,
  installerUser: DEFAULT_INSTALLER_USER,
  installerResources: DEFAULT_INSTALLER_RESOURCES,
  injectionMode: "initContainer",
  imageVolumesAdmitted: null,
});
