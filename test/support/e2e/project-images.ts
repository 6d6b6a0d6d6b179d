// The project's own images (images/podinit, images/webhook) built with podman, offline, as images/README.md documents.

import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { contentHash } from "./content-hash.js";
import { debianImage } from "./debian-image.js";
import { buildFromContainerfile, cachedImage, imageReference } from "./image-store.js";
import { podman } from "./podman.js";
import { REPO_ROOT } from "./project-paths.js";

export const PODINIT_BINARY = join(REPO_ROOT, "dist", "podinit");
export const WEBHOOK_BUNDLE = join(REPO_ROOT, "dist", "webhook", "main.js");
const PODINIT_CONTAINERFILE = join(REPO_ROOT, "images", "podinit", "Containerfile");
const WEBHOOK_DIR = join(REPO_ROOT, "images", "webhook");
const BUILD_TIMEOUT_MS = 600_000;

function requireBuilt(path: string, target: string): void {
  if (!existsSync(path))
    throw new Error(`${path} does not exist: build it first with \`make ${target}\``);
}

/** `podman build` of images/podinit/Containerfile with dist/podinit as the whole context. */
export async function buildPodinitImage(): Promise<string> {
  requireBuilt(PODINIT_BINARY, "init");
  const containerfile = readFileSync(PODINIT_CONTAINERFILE, "utf8");
  const reference = imageReference(
    "chart-podinit",
    contentHash([{ file: PODINIT_BINARY }, { text: containerfile }]),
  );
  await buildFromContainerfile(reference, containerfile, new Map([["podinit", PODINIT_BINARY]]));
  return reference;
}

/**
 * The offline stand-in for node:20-bookworm-slim: the harness's debootstrapped Debian plus this
 * machine's node and npm. Kept between runs (tagged by its inputs): it only changes with them.
 */
export async function localNodeBase(): Promise<string> {
  const debian = await debianImage();
  const node = process.execPath;
  const containerfile = readFileSync(join(WEBHOOK_DIR, "local-node-base.Containerfile"), "utf8");
  const npmDir = join(node, "..", "..", "lib", "node_modules", "npm");
  const hash = contentHash([
    { text: debian },
    { file: node },
    { text: containerfile },
    { text: process.version },
  ]);
  return cachedImage(imageReference("node-base", hash), async reference => {
    const context = mkdtempSync(join(tmpdir(), "podinit-node-base-"));
    try {
      // copyFile keeps the mode bits: node stays executable.
      copyFileSync(node, join(context, "node"));
      execFileSync("tar", [
        "--numeric-owner",
        "--owner=0",
        "--group=0",
        "-C",
        join(npmDir, ".."),
        "-cf",
        join(context, "npm.tar"),
        "npm",
      ]);
      await podman(
        [
          "build",
          "--quiet",
          "--build-arg",
          `DEBIAN_IMAGE=${debian}`,
          "--tag",
          reference,
          "--file",
          join(WEBHOOK_DIR, "local-node-base.Containerfile"),
          context,
        ],
        { timeoutMs: BUILD_TIMEOUT_MS },
      );
    } finally {
      rmSync(context, { recursive: true, force: true });
    }
  });
}

/** npm's cache on this machine: `npm ci --offline` in the build reads the packages from it. */
function npmCacheDir(): string {
  return execFileSync("npm", ["config", "get", "cache"], { encoding: "utf8" }).trim();
}

/**
 * `podman build` of images/webhook/Containerfile from the repository root, exactly as documented,
 * with the local Node base and npm's cache mounted copy-on-write (`:O`), so no registry is needed.
 */
export async function buildWebhookImage(): Promise<string> {
  requireBuilt(WEBHOOK_BUNDLE, "webhook");
  const base = await localNodeBase();
  const reference = imageReference(
    "chart-webhook",
    contentHash([
      { text: base },
      { file: WEBHOOK_BUNDLE },
      { file: join(REPO_ROOT, "package-lock.json") },
      { file: join(WEBHOOK_DIR, "Containerfile") },
    ]),
  );
  await podman(
    [
      "build",
      "--quiet",
      "--file",
      join(WEBHOOK_DIR, "Containerfile"),
      "--ignorefile",
      join(WEBHOOK_DIR, "Containerfile.dockerignore"),
      "--build-arg",
      `NODE_IMAGE=${base}`,
      "--build-arg",
      "NPM_CI_FLAGS=--offline",
      "--volume",
      `${npmCacheDir()}:/root/.npm:O`,
      "--tag",
      reference,
      REPO_ROOT,
    ],
    { timeoutMs: BUILD_TIMEOUT_MS },
  );
  return reference;
}

export interface ImageConfig {
  readonly User?: string;
  readonly Cmd?: readonly string[] | null;
  readonly Entrypoint?: readonly string[] | null;
  readonly Env?: readonly string[];
  readonly ExposedPorts?: Record<string, unknown>;
}

export async function imageConfig(reference: string): Promise<ImageConfig> {
  const { stdout } = await podman(["image", "inspect", "--format", "{{json .Config}}", reference]);
  return JSON.parse(stdout) as ImageConfig;
}

/** The paths in each layer, read from the image as `podman save` writes it (OCI layout). */
export async function layerContents(reference: string): Promise<string[][]> {
  const dir = mkdtempSync(join(tmpdir(), "podinit-image-save-"));
  try {
    const layout = join(dir, "oci");
    await podman(["save", "--quiet", "--format", "oci-dir", "--output", layout, reference]);
    const index = JSON.parse(readFileSync(join(layout, "index.json"), "utf8")) as {
      manifests: { digest: string }[];
    };
    const blob = (digest: string) => join(layout, "blobs", ...digest.split(":"));
    const manifestDigest = index.manifests[0]?.digest ?? "";
    const manifest = JSON.parse(readFileSync(blob(manifestDigest), "utf8")) as {
      layers: { digest: string }[];
    };
    return manifest.layers.map(layer =>
      execFileSync("tar", ["-tf", blob(layer.digest)], { encoding: "utf8" })
        .split("\n")
        .filter(line => line !== ""),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
