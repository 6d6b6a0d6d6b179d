// The cache keys of a lookup, per reference, endpoint and caller, made once so that a cached review builds no new string.

import type { RegistryCredential } from "./docker-config.js";
import type { ImageReference } from "./image-reference.js";
import { credentialIdentity } from "./registry-auth.js";

/** The cache keys of one reference at one endpoint for one caller. */
export interface CacheKeys {
  readonly tag: string;
  digest(digest: string): string;
}

/** Hashing a credential per review would dominate a cached lookup: remember it per object. */
const identities = new WeakMap<RegistryCredential, string>();

/** Who asks: the credentials' identities (never the secrets), or `anonymous`. */
export function callerOf(credentials: readonly RegistryCredential[]): string {
  if (credentials.length === 0) return "anonymous";
  return credentials.map(identityOf).join(",");
}

function identityOf(credential: RegistryCredential): string {
  let identity = identities.get(credential);
  if (identity === undefined) {
    identity = credentialIdentity(credential);
    identities.set(credential, identity);
  }
  return identity;
}

/**
 * Keyed by who asks too: a pod without access must not learn a private image's entrypoint from
 * another pod's lookup. Pods of one Deployment share credentials, so they share entries. Parsed
 * references are shared objects, so the keys go when the reference does.
 */
export class LookupKeys {
  /** reference → endpoint host → caller: nested, so that a lookup joins no strings to find its keys. */
  readonly #memo = new WeakMap<ImageReference, Map<string, Map<string, CacheKeys>>>();

  /** `platform` is part of every digest key: an index's entry differs per node platform. */
  constructor(private readonly platform: string) {}

  of(reference: ImageReference, host: string, caller: string): CacheKeys {
    let byHost = this.#memo.get(reference);
    if (byHost === undefined)
      this.#memo.set(reference, (byHost = new Map<string, Map<string, CacheKeys>>()));
    let byCaller = byHost.get(host);
    if (byCaller === undefined) byHost.set(host, (byCaller = new Map<string, CacheKeys>()));
    let keys = byCaller.get(caller);
    if (keys === undefined) {
      keys = this.#make(reference, `${caller}|${host}/${reference.repository}`);
      byCaller.set(caller, keys);
    }
    return keys;
  }

  #make(reference: ImageReference, prefix: string): CacheKeys {
    const digestKeys = new Map<string, string>();
    return {
      tag: `${prefix}:${reference.tag ?? ""}`,
      digest: digest => {
        let key = digestKeys.get(digest);
        if (key === undefined)
          digestKeys.set(digest, (key = `${prefix}@${digest}|${this.platform}`));
        return key;
      },
    };
  }
}
