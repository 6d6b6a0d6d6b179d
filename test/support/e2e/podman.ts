// Runs podman against the harness's own configuration and storage, so the machine's podman state is never touched.

import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { HarnessError } from "./harness-error.js";
import { E2E_CACHE } from "./project-paths.js";
import {
  runProcess,
  runProcessOrThrow,
  type ProcessOptions,
  type ProcessResult,
} from "./process-run.js";

export interface PodmanPaths {
  readonly containersConf: string;
  readonly storageConf: string;
  /** Images and volumes: kept between runs, that is the image cache. */
  readonly graphRoot: string;
  /** Runtime state; short because conmon's socket paths must fit in 108 bytes. */
  readonly runRoot: string;
  readonly tmpDir: string;
}

function computePaths(): PodmanPaths {
  const checkoutKey = createHash("sha256").update(E2E_CACHE).digest("hex").slice(0, 10);
  const runBase = join("/run/podinit-e2e", checkoutKey);
  return {
    containersConf: join(E2E_CACHE, "containers.conf"),
    storageConf: join(E2E_CACHE, "storage.conf"),
    graphRoot: join(E2E_CACHE, "storage"),
    runRoot: join(runBase, "runroot"),
    tmpDir: join(runBase, "tmp"),
  };
}

// crun fails on this cgroup v1/v2 hybrid, systemd is absent, and Debian's default nofile ulimit
// is refused inside the sandbox: these three settings are what make rootful podman work here.
function containersConf(paths: PodmanPaths): string {
  return [
    "[containers]",
    "default_ulimits = []",
    'log_driver = "k8s-file"',
    "[engine]",
    'runtime = "runc"',
    'cgroup_manager = "cgroupfs"',
    'events_logger = "file"',
    `tmp_dir = ${JSON.stringify(paths.tmpDir)}`,
    "[network]",
    `network_config_dir = ${JSON.stringify(join(E2E_CACHE, "networks"))}`,
    "",
  ].join("\n");
}

function storageConf(paths: PodmanPaths): string {
  return [
    "[storage]",
    'driver = "overlay"',
    `graphroot = ${JSON.stringify(paths.graphRoot)}`,
    `runroot = ${JSON.stringify(paths.runRoot)}`,
    "",
  ].join("\n");
}

/**
 * podman keeps "running" states in its runtime directory and trusts them until that directory
 * vanishes, which a tmpfs does at reboot; /run is not a tmpfs on every machine, so the boot id
 * decides instead.
 */
function forgetStateOfEarlierBoot(paths: PodmanPaths): void {
  const bootId = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
  const marker = join(E2E_CACHE, "boot-id");
  let previous = "";
  try {
    previous = readFileSync(marker, "utf8").trim();
  } catch {
    // First run in this checkout.
  }
  if (previous !== bootId) {
    rmSync(paths.runRoot, { recursive: true, force: true });
    rmSync(paths.tmpDir, { recursive: true, force: true });
    writeFileSync(marker, `${bootId}\n`);
  }
}

let prepared: PodmanPaths | undefined;

/** Writes the configuration files once per process and returns where everything lives. */
export function podmanPaths(): PodmanPaths {
  if (prepared !== undefined) return prepared;
  const paths = computePaths();
  mkdirSync(E2E_CACHE, { recursive: true });
  forgetStateOfEarlierBoot(paths);
  writeFileSync(paths.containersConf, containersConf(paths));
  writeFileSync(paths.storageConf, storageConf(paths));
  prepared = paths;
  return paths;
}

export function podmanEnvironment(): NodeJS.ProcessEnv {
  const paths = podmanPaths();
  return {
    ...process.env,
    CONTAINERS_CONF: paths.containersConf,
    CONTAINERS_STORAGE_CONF: paths.storageConf,
  };
}

type PodmanOptions = Omit<ProcessOptions, "env">;

/** podman's result whatever its exit code: for probes such as `image exists`. */
export function podmanResult(
  args: readonly string[],
  options: PodmanOptions = {},
): Promise<ProcessResult> {
  return runProcess("podman", args, { ...options, env: podmanEnvironment() });
}

/** podman that must succeed; a failure is thrown with podman's own message. */
export function podman(
  args: readonly string[],
  options: PodmanOptions = {},
): Promise<ProcessResult> {
  return runProcessOrThrow("podman", args, { ...options, env: podmanEnvironment() });
}

/** Why this machine cannot run the e2e suite, or null when it can. */
export async function findHostProblem(): Promise<HarnessError | null> {
  if (process.getuid?.() !== 0) {
    return new HarnessError(
      "ERR_NOT_ROOT",
      "the e2e suite runs rootful podman with runc: run it as root (`sudo make e2e`)",
    );
  }
  for (const tool of ["podman", "runc"]) {
    try {
      const result = await runProcess(tool, ["--version"], { timeoutMs: 30_000 });
      if (result.exitCode !== 0) {
        return new HarnessError(
          "ERR_TOOL_MISSING",
          `${tool} --version failed (${result.stderr.trim()}): reinstall it with \`make deps\``,
        );
      }
    } catch (error) {
      if (error instanceof HarnessError) return error;
      throw error;
    }
  }
  return null;
}

export async function requireHost(): Promise<void> {
  const problem = await findHostProblem();
  if (problem !== null) throw problem;
}
