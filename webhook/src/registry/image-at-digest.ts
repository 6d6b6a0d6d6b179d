// An image's command at one digest: a manifest's config, or from an index the node platform's, with a warning where platforms disagree.

import { sameWords } from "../mutation/entrypoint.js";
import { fetchConfig, fetchManifest, type RegistryTarget } from "./distribution-api.js";
import type { ImageConfig } from "./image-config.js";
import { isLookupFailure, lookupFailure, type LookupFailure } from "./lookup-failure.js";
import { entriesToCompare, selectPlatformManifest, type Descriptor } from "./manifest.js";
import { formatPlatform, type Platform } from "./platform.js";
import type { RegistryAuth } from "./registry-auth.js";
import type { TransportResponse } from "./registry-transport.js";

export interface ImageLookup {
  readonly ok: true;
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
  /** The digest the reference resolves to (an index or a manifest): pin the image to it. */
  readonly digest: string;
  /** Not fatal: e.g. the platforms of an index disagree on ENTRYPOINT/CMD. */
  readonly warnings: readonly string[];
}

/** What every read of one lookup shares: who reads, and for which node platform. */
export interface DigestRead {
  readonly auth: RegistryAuth;
  readonly target: RegistryTarget;
  readonly platform: Platform;
  /** `where` in messages: the reference as the pod gave it, made canonical. */
  readonly where: string;
  readonly signal: AbortSignal;
}

export async function lookupDigest(
  read: DigestRead,
  digest: string,
  prefetched: TransportResponse | null,
): Promise<ImageLookup | LookupFailure> {
  const { auth, target, where, signal } = read;
  const top = await fetchManifest(auth, target, digest, where, prefetched, signal);
  if (isLookupFailure(top)) return top;
  if (top.kind === "manifest") {
    const config = await fetchConfig(auth, target, top.config, where, signal);
    if (isLookupFailure(config)) return config;
    return { ok: true, entrypoint: config.entrypoint, cmd: config.cmd, digest, warnings: [] };
  }
  const chosen = selectPlatformManifest(top, read.platform, where);
  if (isLookupFailure(chosen)) return chosen;
  // The other node platforms' commands are read too, to warn when a pod may run another one.
  const configs = await Promise.all(
    [chosen, ...entriesToCompare(top, chosen)].map(async entry => ({
      entry,
      config: await fetchPlatformConfig(read, entry),
    })),
  );
  const mine = configs[0]?.config;
  if (mine === undefined || isLookupFailure(mine)) {
    return mine ?? lookupFailure("ERR_MANIFEST_INVALID", `${where}: platform entry vanished`);
  }
  return {
    ok: true,
    entrypoint: mine.entrypoint,
    cmd: mine.cmd,
    digest,
    warnings: disagreementWarnings(where, formatPlatform(read.platform), mine, configs),
  };
}

async function fetchPlatformConfig(
  { auth, target, where, signal }: DigestRead,
  entry: Descriptor,
): Promise<ImageConfig | LookupFailure> {
  const manifest = await fetchManifest(auth, target, entry.digest, where, null, signal);
  if (isLookupFailure(manifest)) return manifest;
  if (manifest.kind !== "manifest") {
    return lookupFailure("ERR_MANIFEST_INVALID", `${where}: an index entry is itself an index`);
  }
  return fetchConfig(auth, target, manifest.config, where, signal);
}

function disagreementWarnings(
  where: string,
  chosenPlatform: string,
  mine: ImageConfig,
  configs: readonly { entry: { platform: Platform | null }; config: ImageConfig | LookupFailure }[],
): string[] {
  const differing = configs.filter(
    ({ config }) =>
      !isLookupFailure(config) &&
      (!sameWords(config.entrypoint, mine.entrypoint) || !sameWords(config.cmd, mine.cmd)),
  );
  if (differing.length === 0) return [];
  const others = differing
    .map(({ entry }) => (entry.platform === null ? "?" : formatPlatform(entry.platform)))
    .join(", ");
  return [
    `the platforms of ${where} disagree on ENTRYPOINT/CMD (${others} differ from ${chosenPlatform}); ` +
      `the ${chosenPlatform} command was used: pin the pod to ${chosenPlatform} nodes or set podinit.dev/entrypoint.<container>`,
  ];
}
