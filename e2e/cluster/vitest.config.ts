// Vitest setup for the real-cluster suite: one whole node per run (PODINIT_K8S picks the release), tests one at a time.
import { defineConfig } from "vitest/config";

const release = process.env["PODINIT_K8S"] ?? "";
// The default mode keeps the report's plain name; another mode is named in it.
const mode = process.env["PODINIT_INJECTION_MODE"] ?? "initContainer";
const report = mode === "initContainer" ? `cluster-${release}` : `cluster-${release}-${mode}`;

export default defineConfig({
  test: {
    root: new URL("../..", import.meta.url).pathname,
    // The auto suite asks what only an auto install can answer.
    include: ["e2e/cluster/**/*.test.ts"],
    exclude: mode === "auto" ? [] : ["e2e/cluster/auto-mode.test.ts"],
    globalSetup: ["e2e/cluster/global-setup.ts"],
    testTimeout: 180_000,
    // The first run builds the cluster's components and the images inside the setup.
    hookTimeout: 1_800_000,
    pool: "forks",
    // One node, stop times measured: nothing may run beside a test.
    fileParallelism: false,
    maxWorkers: 1,
    reporters: ["default", ["json", { outputFile: `.cache/test-results/${report}.json` }]],
  },
});
