// The seam for the admission route: per review, ENTRYPOINT/CMD for every container without a command, within a time budget.

import { readFile } from "node:fs/promises";
import { isSet, type ImageEntrypoint } from "../mutation/entrypoint.js";
import type { Container, Pod } from "../mutation/pod-types.js";
import { ENTRYPOINT_ANNOTATION_PREFIX, entrypointFromAnnotation } from "./entrypoint-annotation.js";
import { parseImageReference, type ImageReference } from "./image-reference.js";
import { isLookupFailure, lookupFailure, type LookupFailure } from "./lookup-failure.js";
import {
  cachedPullCredentials,
  cachedPullSecretSource,
  collectPullCredentials,
  type CachedPullSecretSource,
  type PodPullSecretRefs,
  type PullCredentials,
  type PullSecretSource,
} from "./pull-secrets.js";
import type { ImageLookup } from "./image-at-digest.js";
import { createRegistryClient, type RegistryClient } from "./registry-client.js";
import type { RegistrySettings } from "./registry-settings.js";
import {
  createRegistryTransport,
  type AddressResolver,
  type RegistryTransport,
} from "./registry-transport.js";
import { hasSomethingToRun } from "./runtime-argv.js";
import { settleByDeadline } from "./settle-by-deadline.js";

export interface EntrypointResolution {
  /** Container name → ENTRYPOINT/CMD, unescaped (the mutation escapes `$`). */
  readonly resolved: ReadonlyMap<string, ImageEntrypoint>;
  /** Container name → why it could not be resolved: leave it unwrapped, reason `image-lookup-failed`. */
  readonly failures: ReadonlyMap<string, LookupFailure>;
  /** Admission warnings (one per failed container, index disagreements, unreadable secrets). */
  readonly warnings: readonly string[];
}

export type LookupOutcome = "resolved" | "annotation" | "failed";

export interface LookupEvent {
  readonly outcome: LookupOutcome;
  readonly registry: string | null;
  readonly code: LookupFailure["code"] | null;
  /** For the webhook's log only (see LookupFailure.detail): what the network said, when it failed. */
  readonly detail: string | null;
}

export interface EntrypointResolverDeps {
  /** Required when settings.pullSecrets is true (e.g. createKubePullSecretSource()). */
  readonly pullSecrets?: PullSecretSource;
  readonly transport?: RegistryTransport;
  /** Name resolution for the default transport (tests map names to chosen addresses). */
  readonly resolve?: AddressResolver;
  readonly now?: () => number;
  /** One call per container looked up, for metrics. Holds no secrets. */
  readonly onLookup?: (event: LookupEvent) => void;
}

/** Image entrypoints from the pods' registries: what the admission's EntrypointResolver asks. */
export interface RegistryEntrypointResolver {
  /**
   * Resolves containers (init and regular) that have no `command`; `only` narrows to the names
   * the mutation will wrap. Never throws, never rejects the pod, never outlives the budget. The
   * answer comes at once when everything it needs is cached, as for most reviews; a promise only
   * when it has to wait.
   */
  resolve(
    pod: Pod,
    namespace: string,
    only?: ReadonlySet<string>,
  ): EntrypointResolution | Promise<EntrypointResolution>;
}

export type ResolverCreation =
  | { readonly ok: true; readonly resolver: RegistryEntrypointResolver }
  | { readonly ok: false; readonly message: string };

/** Pull secrets are re-read at most this often per name. */
const PULL_SECRET_TTL_MS = 10_000;

/** Most pods have none: one pass over the keys spares building a key per container. */
function hasEntrypointAnnotation(
  annotations: Readonly<Record<string, string>> | undefined,
): boolean {
  for (const key in annotations) if (key.startsWith(ENTRYPOINT_ANNOTATION_PREFIX)) return true;
  return false;
}

function needsLookup(container: Container, only: ReadonlySet<string> | undefined): boolean {
  return !isSet(container.command) && (only === undefined || only.has(container.name));
}

/** Reads the CA file (a start-up error value if unreadable) and wires the client. */
export async function createEntrypointResolver(
  settings: RegistrySettings,
  deps: EntrypointResolverDeps = {},
): Promise<ResolverCreation> {
  let ca: string | undefined;
  if (settings.caFile !== null) {
    try {
      ca = await readFile(settings.caFile, "utf8");
    } catch (thrown) {
      const code = (thrown as { code?: unknown }).code;
      const reason = typeof code === "string" ? code : "unreadable";
      return {
        ok: false,
        message: `--registry-ca: cannot read ${settings.caFile} (${reason})`,
      };
    }
  }
  if (settings.pullSecrets && deps.pullSecrets === undefined) {
    return { ok: false, message: "--pull-secrets=true needs access to the Kubernetes API" };
  }
  const transport =
    deps.transport ??
    createRegistryTransport({
      ca,
      bodyBudgetBytes: settings.bodyBudgetBytes,
      ...(deps.resolve === undefined ? {} : { resolve: deps.resolve }),
    });
  const client = createRegistryClient({
    transport,
    platform: settings.platform,
    insecureRegistries: settings.insecureRegistries,
    mirrors: settings.mirrors,
    digestCacheSize: settings.digestCacheSize,
    cacheBytes: settings.cacheBytes,
    tagTtlMs: settings.tagTtlMs,
    lookupTimeoutMs: settings.lookupTimeoutMs,
    ...(deps.now === undefined ? {} : { now: deps.now }),
  });
  const secrets =
    settings.pullSecrets && deps.pullSecrets !== undefined
      ? cachedPullSecretSource(deps.pullSecrets, PULL_SECRET_TTL_MS, deps.now)
      : null;
  return {
    ok: true,
    resolver: buildResolver(settings, client, secrets, deps.onLookup, deps.now ?? Date.now),
  };
}

function unique(warnings: string[]): string[] {
  return warnings.length === 0 ? warnings : [...new Set(warnings)];
}

const NO_CREDENTIALS: PullCredentials = Object.freeze({ credentials: [], warnings: [] });

/** On timeout the lookup goes on anonymously rather than spending the whole budget here. */
function readPullCredentials(
  secrets: CachedPullSecretSource,
  namespace: string,
  refs: PodPullSecretRefs,
  deadline: AbortSignal,
): Promise<PullCredentials> {
  return settleByDeadline(
    collectPullCredentials(secrets, namespace, refs),
    deadline,
    () => NO_CREDENTIALS,
  );
}

function buildResolver(
  settings: RegistrySettings,
  client: RegistryClient,
  secrets: CachedPullSecretSource | null,
  onLookup: ((event: LookupEvent) => void) | undefined,
  now: () => number,
): RegistryEntrypointResolver {
  const resolver: RegistryEntrypointResolver = {
    resolve(pod, namespace, only) {
      const spec = pod.spec;
      const containers = [...(spec.initContainers ?? []), ...spec.containers].filter(c =>
        needsLookup(c, only),
      );
      const resolved = new Map<string, ImageEntrypoint>();
      const failures = new Map<string, LookupFailure>();
      const warnings: string[] = [];
      const done = (): EntrypointResolution => ({
        resolved,
        failures,
        warnings: unique(warnings),
      });
      if (containers.length === 0) return done();
      const started = now();
      let budget: AbortSignal | null = null;
      const signal = (): AbortSignal =>
        (budget ??= AbortSignal.timeout(Math.max(0, settings.lookupTimeoutMs - (now() - started))));
      const annotations = pod.metadata?.annotations;
      const annotated = hasEntrypointAnnotation(annotations);
      const fromRegistry: Container[] = [];
      for (const container of containers) {
        const explicit = annotated ? entrypointFromAnnotation(annotations, container.name) : null;
        if (explicit === null) fromRegistry.push(container);
        else record(container, explicit, null, null);
      }
      if (fromRegistry.length === 0) return done();
      if (secrets === null) return lookUp(NO_CREDENTIALS);
      const refs = spec as PodPullSecretRefs;
      const known = cachedPullCredentials(secrets, namespace, refs);
      if (known !== undefined) return lookUp(known);
      return readPullCredentials(secrets, namespace, refs, signal()).then(lookUp);

      /** Cached images cost no timer, promise or I/O; the budget's timer starts only for misses. */
      function lookUp(pull: PullCredentials): EntrypointResolution | Promise<EntrypointResolution> {
        warnings.push(...pull.warnings);
        const misses: { container: Container; reference: ImageReference }[] = [];
        for (const container of fromRegistry) {
          const reference = parseImageReference(container.image ?? "");
          if (isLookupFailure(reference)) record(container, reference, null, null);
          else {
            const hit = client.cached(reference, pull.credentials);
            if (hit === undefined) misses.push({ container, reference });
            else record(container, hit, reference.registry, hit);
          }
        }
        if (misses.length === 0) return done();
        const remaining = signal();
        return Promise.all(
          misses.map(async ({ container, reference }) => {
            const result = await client.lookup(reference, pull.credentials, remaining);
            record(container, result, reference.registry, isLookupFailure(result) ? null : result);
          }),
        ).then(done);
      }

      function record(
        container: Container,
        result: ImageEntrypoint | LookupFailure,
        registry: string | null,
        lookup: ImageLookup | null,
      ): void {
        let outcome: ImageEntrypoint | LookupFailure = result;
        if (!isLookupFailure(result) && !hasSomethingToRun(container, result)) {
          outcome = lookupFailure(
            "ERR_NOTHING_TO_RUN",
            `image ${container.image ?? "?"} has neither ENTRYPOINT nor CMD and the container sets no args`,
          );
        }
        if (isLookupFailure(outcome)) {
          failures.set(container.name, outcome);
          warnings.push(
            `container ${container.name}: no podinit, its image's entrypoint is unknown (${outcome.code}: ${outcome.message})`,
          );
        } else {
          resolved.set(container.name, { entrypoint: outcome.entrypoint, cmd: outcome.cmd });
          if (lookup !== null)
            warnings.push(...lookup.warnings.map(w => `container ${container.name}: ${w}`));
        }
        onLookup?.({
          outcome: isLookupFailure(outcome)
            ? "failed"
            : lookup === null
              ? "annotation"
              : "resolved",
          registry,
          code: isLookupFailure(outcome) ? outcome.code : null,
          detail: isLookupFailure(outcome) ? (outcome.detail ?? null) : null,
        });
      }
    },
  };
  return resolver;
}
