// Vitest setup for the end-to-end suite: real pods under podman, one at a time, with generous timeouts.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    root: new URL("..", import.meta.url).pathname,
    include: ["e2e/**/*.test.ts"],
    // The real-cluster suite has its own setup: e2e/cluster/vitest.config.ts.
    exclude: ["e2e/cluster/**"],
    globalSetup: ["e2e/global-setup.ts"],
    // Image builds (debootstrap especially) happen inside the first test that needs them.
    testTimeout: 180_000,
    hookTimeout: 900_000,
    pool: "forks",
    // Pods share one podman store and stop times are measured: nothing may run beside them.
    fileParallelism: false,
    maxWorkers: 1,
    reporters: ["default", ["json", { outputFile: ".cache/test-results/e2e.json" }]],
  },
});
