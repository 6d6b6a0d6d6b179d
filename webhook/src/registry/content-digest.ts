// Computes and checks content digests, so a registry (or anything between) cannot swap content.

import { createHash } from "node:crypto";

const ALGORITHMS: Readonly<Record<string, string>> = { sha256: "sha256", sha512: "sha512" };

export function sha256Digest(body: Uint8Array): string {
  return `sha256:${createHash("sha256").update(body).digest("hex")}`;
}

/** True when `body` hashes to `digest`; a digest of an algorithm we cannot compute never matches. */
export function matchesDigest(body: Uint8Array, digest: string): boolean {
  const colon = digest.indexOf(":");
  const algorithm = ALGORITHMS[digest.slice(0, colon)];
  if (colon === -1 || algorithm === undefined) return false;
  return createHash(algorithm).update(body).digest("hex") === digest.slice(colon + 1);
}
