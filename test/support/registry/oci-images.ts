// Builds small test images (config, one empty layer, manifest, index) in memory and pushes them over the registry API.

import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";

export const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
export const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
export const DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
export const DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";

export function digestOf(bytes: Uint8Array): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

export interface Blob {
  readonly bytes: Buffer;
  readonly digest: string;
}

function blob(bytes: Buffer): Blob {
  return { bytes, digest: digestOf(bytes) };
}

/** An empty tar archive, gzipped: a valid layer that unpacks to nothing. */
const EMPTY_LAYER = blob(gzipSync(Buffer.alloc(1024)));

export interface TestImage {
  readonly config: Blob;
  readonly layer: Blob;
  readonly manifest: Blob;
  readonly mediaType: string;
  readonly os: string;
  readonly architecture: string;
}

export interface ImageSpec {
  readonly entrypoint?: readonly string[] | null;
  readonly cmd?: readonly string[] | null;
  readonly os?: string;
  readonly architecture?: string;
  readonly docker?: boolean;
}

export function buildImage(spec: ImageSpec): TestImage {
  const os = spec.os ?? "linux";
  const architecture = spec.architecture ?? "amd64";
  const config: Record<string, unknown> = { Env: ["PATH=/usr/bin:/bin"] };
  if (spec.entrypoint !== undefined) config["Entrypoint"] = spec.entrypoint;
  if (spec.cmd !== undefined) config["Cmd"] = spec.cmd;
  const configBlob = blob(
    Buffer.from(
      JSON.stringify({
        architecture,
        os,
        config,
        rootfs: { type: "layers", diff_ids: [digestOf(Buffer.alloc(1024))] },
      }),
    ),
  );
  const docker = spec.docker === true;
  const mediaType = docker ? DOCKER_MANIFEST : OCI_MANIFEST;
  const manifest = blob(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType,
        config: {
          mediaType: docker
            ? "application/vnd.docker.container.image.v1+json"
            : "application/vnd.oci.image.config.v1+json",
          digest: configBlob.digest,
          size: configBlob.bytes.length,
        },
        layers: [
          {
            mediaType: docker
              ? "application/vnd.docker.image.rootfs.diff.tar.gzip"
              : "application/vnd.oci.image.layer.v1.tar+gzip",
            digest: EMPTY_LAYER.digest,
            size: EMPTY_LAYER.bytes.length,
          },
        ],
      }),
    ),
  );
  return { config: configBlob, layer: EMPTY_LAYER, manifest, mediaType, os, architecture };
}

export function buildIndex(
  images: readonly TestImage[],
  docker = false,
): Blob & { mediaType: string } {
  const mediaType = docker ? DOCKER_LIST : OCI_INDEX;
  const index = {
    schemaVersion: 2,
    mediaType,
    manifests: images.map(image => ({
      mediaType: image.mediaType,
      digest: image.manifest.digest,
      size: image.manifest.bytes.length,
      platform: { os: image.os, architecture: image.architecture },
    })),
  };
  return { ...blob(Buffer.from(JSON.stringify(index))), mediaType };
}

async function check(response: Response, what: string): Promise<void> {
  if (!response.ok) throw new Error(`${what}: ${response.status} ${await response.text()}`);
}

/** Monolithic blob upload: POST for a session, PUT with the digest. */
export async function pushBlob(registry: string, repository: string, item: Blob): Promise<void> {
  const start = await fetch(`http://${registry}/v2/${repository}/blobs/uploads/`, {
    method: "POST",
  });
  await check(start, `upload session for ${repository}`);
  const location = new URL(start.headers.get("location") ?? "", `http://${registry}`);
  location.searchParams.set("digest", item.digest);
  const put = await fetch(location, {
    method: "PUT",
    headers: { "content-type": "application/octet-stream" },
    body: item.bytes,
  });
  await check(put, `blob ${item.digest}`);
}

export async function pushManifest(
  registry: string,
  repository: string,
  reference: string,
  bytes: Buffer,
  mediaType: string,
): Promise<void> {
  const put = await fetch(`http://${registry}/v2/${repository}/manifests/${reference}`, {
    method: "PUT",
    headers: { "content-type": mediaType },
    body: bytes,
  });
  await check(put, `manifest ${repository}:${reference}`);
}

/** Pushes the blobs and the manifest; tags it when `tag` is given (else only by digest). */
export async function pushImage(
  registry: string,
  repository: string,
  image: TestImage,
  tag: string | null,
): Promise<void> {
  await pushBlob(registry, repository, image.layer);
  await pushBlob(registry, repository, image.config);
  await pushManifest(
    registry,
    repository,
    tag ?? image.manifest.digest,
    image.manifest.bytes,
    image.mediaType,
  );
}

export async function pushIndex(
  registry: string,
  repository: string,
  images: readonly TestImage[],
  tag: string,
): Promise<Blob & { mediaType: string }> {
  for (const image of images) await pushImage(registry, repository, image, null);
  const index = buildIndex(images);
  await pushManifest(registry, repository, tag, index.bytes, index.mediaType);
  return index;
}
