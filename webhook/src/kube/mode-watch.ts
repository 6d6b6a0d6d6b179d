// Which settings each review gets: the cluster's mode (fixed, or chosen by `auto` from nodes and their probes) unless its namespace names one.

import type { KubeConfig } from "@kubernetes/client-node";
import { provenNodes, readNode, readProbePod, type ProbeFact } from "../mode/cluster-objects.js";
import {
  admitsImageVolumes,
  chooseMode,
  parseServerVersion,
  type ModeChoice,
  type ServerVersion,
} from "../mode/mode-choice.js";
import { readNamespaceMode } from "../mode/namespace-mode.js";
import type { NodeFact } from "../mode/mode-choice.js";
import { isJsonObject } from "../mutation/pod-types.js";
import type { ConfiguredMode, InjectionMode, MutationSettings } from "../mutation/settings.js";
import {
  kubeClient,
  watchObjects,
  type WatchEvent,
  type WatchedSource,
} from "./watched-objects.js";

/** Ready once the first choice was made from the server's version and every list. */
export interface ModeSource extends WatchedSource {
  /** The settings for a pod created in `namespace`. */
  settingsFor(namespace: string): MutationSettings;
}

export type ModeEvent =
  | WatchEvent
  | { readonly kind: "chosen"; readonly choice: ModeChoice }
  | { readonly kind: "server-version"; readonly version: ServerVersion }
  | { readonly kind: "server-version-failed"; readonly message: string; readonly retryInMs: number }
  | { readonly kind: "namespace-mode-invalid"; readonly namespace: string; readonly value: string };

/** Outside a cluster nothing can be watched: every review gets the configured settings. */
export function fixedModes(settings: MutationSettings): ModeSource {
  return { settingsFor: () => settings, ready: Promise.resolve(), stop: () => Promise.resolve() };
}

export interface ModeWatchOptions {
  readonly base: MutationSettings;
  readonly configured: ConfiguredMode;
  /** Where the chart's node probes run, and their label selector. */
  readonly probes: { readonly namespace: string; readonly selector: string };
  readonly onEvent: (event: ModeEvent) => void;
  readonly config?: KubeConfig;
}

const VERSION_RETRY_MS = 5000;
/** An API server upgraded under a running webhook is noticed within this. */
const VERSION_REFRESH_MS = 10 * 60_000;

/**
 * In a cluster: the API server's version (image volumes are refused before 1.35), the
 * Namespaces' `podinit.dev/mode`, and for `auto` the Nodes and the node probes' Pods, each from
 * a list-and-watch, so a review reads memory only. RBAC: get /version, list and watch
 * namespaces, and for `auto` nodes and the probes' pods.
 */
export function watchModes(options: ModeWatchOptions): ModeSource {
  const { base, configured, onEvent } = options;
  const auto = configured === "auto";
  let server: ServerVersion | null = null;
  let variants = buildVariants(base, null);
  let choice: ModeChoice | null = null;
  const namespaceModes = new Map<string, InjectionMode>();
  const reportedInvalid = new Map<string, string>();
  const nodes = new Map<string, NodeFact>();
  const probes = new Map<string, ProbeFact>();
  let nodesListed = false;
  let probesListed = false;
  let markChosen = (): void => undefined;
  const chosen = new Promise<void>(resolve => (markChosen = resolve));

  const choose = (): void => {
    if (!auto) return;
    const next = chooseMode({
      server,
      nodes: nodesListed && probesListed ? nodes.values() : null,
      proven: provenNodes(probes.values()),
    });
    if (next.reason !== "server-version-unknown" && next.reason !== "nodes-unknown") markChosen();
    // Logged once per change: a node churning its probe must not flood the log.
    if (choice !== null && choice.mode === next.mode && choice.reason === next.reason) return;
    choice = next;
    onEvent({ kind: "chosen", choice: next });
  };

  let versionTimer: NodeJS.Timeout | undefined;
  let stopped = false;
  const readVersion = (): void => {
    void kubeClient(options.config)
      .then(client => client.version.getCode())
      .then(
        info => {
          const parsed = parseServerVersion(info.gitVersion);
          if (parsed === null) throw new Error(`unreadable gitVersion '${info.gitVersion}'`);
          if (server?.text !== parsed.text) onEvent({ kind: "server-version", version: parsed });
          server = parsed;
          variants = buildVariants(base, parsed);
          if (!auto) markChosen();
          choose();
          if (!stopped) versionTimer = setTimeout(readVersion, VERSION_REFRESH_MS).unref();
        },
        (error: unknown) => {
          const message = error instanceof Error ? error.message : String(error);
          onEvent({ kind: "server-version-failed", message, retryInMs: VERSION_RETRY_MS });
          if (!stopped) versionTimer = setTimeout(readVersion, VERSION_RETRY_MS).unref();
        },
      );
  };
  readVersion();

  const watches: WatchedSource[] = [
    watchObjects(
      {
        what: "namespaces",
        path: "/api/v1/namespaces",
        list: client => client.core.listNamespace(),
        put(object, present) {
          const found = readNamespaceMode(object);
          if (found === null) return;
          if (!present || found.mode === null) namespaceModes.delete(found.name);
          else namespaceModes.set(found.name, found.mode);
          if (present && found.invalid !== null) {
            if (reportedInvalid.get(found.name) === found.invalid) return;
            reportedInvalid.set(found.name, found.invalid);
            onEvent({
              kind: "namespace-mode-invalid",
              namespace: found.name,
              value: found.invalid,
            });
          } else reportedInvalid.delete(found.name);
        },
      },
      onEvent,
      options.config,
    ),
  ];
  if (auto) {
    const { namespace, selector } = options.probes;
    watches.push(
      watchObjects(
        {
          what: "nodes",
          path: "/api/v1/nodes",
          list: client => client.core.listNode(),
          put(object, present) {
            dropImageList(object);
            keep(nodes, readNode(object), node => node.name, present);
          },
          changed() {
            nodesListed = true;
            choose();
          },
        },
        onEvent,
        options.config,
      ),
      watchObjects(
        {
          what: "node probes",
          path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`,
          labelSelector: selector,
          list: client => client.core.listNamespacedPod({ namespace, labelSelector: selector }),
          put: (object, present) => keep(probes, readProbePod(object), p => p.key, present),
          changed() {
            probesListed = true;
            choose();
          },
        },
        onEvent,
        options.config,
      ),
    );
  }

  return {
    // A fixed mode never chooses: the configured one holds.
    settingsFor: namespace =>
      variants[namespaceModes.get(namespace) ?? choice?.mode ?? base.injectionMode],
    // The namespaces' modes too: a namespace that opted out of image volumes must not get one
    // from a replica that became ready before it knew.
    ready: Promise.all([chosen, watches[0]?.ready]).then(() => undefined),
    async stop() {
      stopped = true;
      clearTimeout(versionTimer);
      await Promise.all(watches.map(w => w.stop()));
    },
  };
}

/** Files what a watch read from an object under its key, or forgets it when it was deleted. */
function keep<T>(
  into: Map<string, T>,
  read: T | null,
  keyOf: (value: T) => string,
  present: boolean,
): void {
  if (read === null) return;
  if (present) into.set(keyOf(read), read);
  else into.delete(keyOf(read));
}

/**
 * A Node's status.images lists every image on it, tens of KB per node; the informer keeps the
 * object it hands us, so dropping the list here keeps thousands of nodes within the webhook's
 * memory limit. Nothing here reads it.
 */
function dropImageList(object: unknown): void {
  const status = isJsonObject(object) ? object["status"] : undefined;
  if (isJsonObject(status)) delete (status as Record<string, unknown>)["images"];
}

/** One frozen settings object per mode, so a review picks one and allocates nothing. */
function buildVariants(
  base: MutationSettings,
  server: ServerVersion | null,
): Readonly<Record<InjectionMode, MutationSettings>> {
  const imageVolumesAdmitted = admitsImageVolumes(server);
  return {
    initContainer: Object.freeze({ ...base, injectionMode: "initContainer", imageVolumesAdmitted }),
    imageVolume: Object.freeze({ ...base, injectionMode: "imageVolume", imageVolumesAdmitted }),
  };
}
