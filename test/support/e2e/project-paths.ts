// Where the harness keeps its state: everything under the git-ignored .cache/e2e of this checkout.

import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = fileURLToPath(new URL("../../..", import.meta.url));
export const E2E_CACHE = join(REPO_ROOT, ".cache", "e2e");
export const DEFAULT_PODINIT_BINARY = join(REPO_ROOT, "dist", "podinit");
