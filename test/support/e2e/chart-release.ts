// The chart and the release name and namespace every test installs or renders it with, as the README's install command does.

import { join } from "node:path";

import { REPO_ROOT } from "./project-paths.js";

export const CHART_DIR = join(REPO_ROOT, "charts", "podinit");
export const RELEASE = "podinit";
export const RELEASE_NAMESPACE = "podinit-system";
