// The webhook's settings as one option table: each row's flag, help, default and parser; Config's shape.

import type { OptionTable } from "#options/option-table.js";
import { duration, oneOf, orUnset, positiveDuration, trimmed } from "#options/option-values.js";
import {
  CONFIGURED_MODES,
  DEFAULT_EXCLUDED_NAMESPACES,
  DEFAULT_INJECTOR_CONTAINERS,
  DEFAULT_INSTALLER_LIMITS,
  DEFAULT_INSTALLER_REQUESTS,
  DEFAULT_INSTALLER_USER,
  DEFAULT_PID1_ENTRYPOINTS,
} from "./mutation/settings.js";
import { REGISTRY_SETTINGS } from "./registry/registry-settings.js";
import {
  absolutePath,
  byteSize,
  integer,
  ipAddress,
  list,
  oneWord,
  quantity,
  verbatim,
} from "./setting-values.js";

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const anyDuration = duration("like 30s, 500ms or 1m");

/** The connection bounds: above zero (zero means "none" to Node), at most ten minutes. */
const bound = positiveDuration(600_000, "from 1ms to 10m, like 10s or 500ms");

/**
 * Keys are the fields of the settings read (Config, mostly); a nested table is a nested object.
 * The order is that of --help and of the problems reported.
 */
export const SETTINGS = {
  port: {
    flag: "port",
    help: "HTTPS port (0 picks a free one)",
    fallback: "8443",
    parse: integer(0, 65535),
  },
  host: { flag: "host", help: "IP address to listen on", fallback: "0.0.0.0", parse: ipAddress },
  tlsCertFile: {
    flag: "tls-cert",
    help: "PEM certificate chain file",
    fallback: undefined,
    parse: oneWord,
  },
  tlsKeyFile: {
    flag: "tls-key",
    help: "PEM private key file",
    fallback: undefined,
    parse: oneWord,
  },
  /** How often the key pair is re-read even without a file event; 0 turns polling off. */
  tlsReloadIntervalMs: {
    flag: "tls-reload-interval",
    help: "re-read the key pair this often (0: only on file events)",
    fallback: "60s",
    parse: anyDuration,
  },
  /** MutationSettings' fields that are settings of their own. */
  mutation: {
    initImage: {
      flag: "init-image",
      help: "image holding the podinit binary",
      fallback: undefined,
      parse: oneWord,
    },
    initImagePullPolicy: {
      flag: "init-image-pull-policy",
      help: "Always, IfNotPresent or Never (default: Kubernetes')",
      fallback: "",
      parse: orUnset(oneOf(["Always", "IfNotPresent", "Never"])),
    },
    binaryPathInImage: {
      flag: "binary-path",
      help: "path of podinit inside the init image",
      fallback: "/podinit",
      parse: absolutePath,
    },
    mountPath: {
      flag: "mount-path",
      help: "where the podinit volume is mounted in pods",
      fallback: "/.podinit",
      parse: absolutePath,
    },
    volumeSizeLimit: {
      flag: "volume-size-limit",
      help: "sizeLimit of the podinit emptyDir",
      fallback: "8Mi",
      parse: quantity,
    },
    excludedNamespaces: {
      flag: "exclude-namespaces",
      help: "namespaces never injected (comma-separated)",
      fallback: DEFAULT_EXCLUDED_NAMESPACES.join(","),
      parse: list,
    },
    injectorContainers: {
      flag: "injector-containers",
      help: "other injectors' containers left unwrapped",
      fallback: DEFAULT_INJECTOR_CONTAINERS.join(","),
      parse: list,
    },
    pid1Entrypoints: {
      flag: "pid1-entrypoints",
      help: "entrypoints that must be PID 1 themselves",
      fallback: DEFAULT_PID1_ENTRYPOINTS.join(","),
      parse: list,
    },
    graceMarginMs: {
      flag: "grace-margin",
      help: "taken off terminationGracePeriodSeconds for podinit's grace period",
      fallback: "2s",
      parse: anyDuration,
    },
  },
  /** As configured; mutation.injectionMode is where `auto` starts (initContainer). */
  injectionMode: {
    flag: "injection-mode",
    help: "initContainer (copy podinit into an emptyDir), imageVolume (mount its image; Kubernetes >= 1.35 and a runtime that mounts image volumes) or auto (imageVolume once every Linux node runs a Ready node probe)",
    fallback: "initContainer",
    parse: oneOf(CONFIGURED_MODES),
  },
  /** Where `auto` finds the node probes' pods. */
  nodeProbes: {
    namespace: {
      flag: "node-probe-namespace",
      help: "namespace of the node probes that --injection-mode=auto watches (the chart's release namespace)",
      fallback: "",
      parse: trimmed(verbatim),
    },
    selector: {
      flag: "node-probe-selector",
      help: "label selector of the node probe pods",
      fallback: "app.kubernetes.io/component=node-probe",
      parse: oneWord,
    },
  },
  /** Requests and limits become mutation.installerResources once checked together. */
  installer: {
    user: {
      flag: "installer-user",
      help: "runAsUser of podinit-install in pods that run as root (the init image's USER)",
      fallback: String(DEFAULT_INSTALLER_USER),
      parse: integer(1, 2_147_483_647),
    },
    requests: {
      flag: "installer-requests",
      help: "podinit-install's requests in Burstable pods",
      fallback: DEFAULT_INSTALLER_REQUESTS,
      parse: verbatim,
    },
    limits: {
      flag: "installer-limits",
      help: "podinit-install's limits in Burstable pods, and its most in Guaranteed ones",
      fallback: DEFAULT_INSTALLER_LIMITS,
      parse: verbatim,
    },
  },
  bodyLimitBytes: {
    flag: "body-limit",
    help: "largest review accepted, in bytes (Ki and Mi suffixes allowed)",
    fallback: "3Mi",
    parse: byteSize(1024, 64 * 1024 ** 2),
  },
  // max-connections × body-limit (384 MiB by default) is the chart's whole memory limit, and
  // stalled clients could hold that much: the budget bounds the sum instead.
  /** The most bytes of reviews held at once, over every connection. */
  bodyBudgetBytes: {
    flag: "body-budget",
    help: "the most bytes of reviews held at once over every connection (at least --body-limit); a review past it gets 503 ERR_BUSY",
    fallback: "32Mi",
    parse: byteSize(1024, 1024 ** 3),
  },
  logLevel: {
    flag: "log-level",
    help: LOG_LEVELS.join(", "),
    fallback: "info",
    parse: oneOf(LOG_LEVELS),
  },
  /** After SIGTERM, how long /readyz reports not-ready before the server stops accepting. */
  shutdownDelayMs: {
    flag: "shutdown-delay",
    help: "after SIGTERM, report not-ready this long before closing",
    fallback: "3s",
    parse: anyDuration,
  },
  /** After the shutdown delay, how long in-flight reviews get before their connections are cut. */
  drainTimeoutMs: {
    flag: "drain-timeout",
    help: "after the shutdown delay, wait at most this long for in-flight reviews, then cut their connections",
    fallback: "10s",
    parse: bound,
  },
  connections: {
    // The API server waits at most 30 s for a webhook (timeoutSeconds, 10 s by default), so a
    // request slower than that has been given up by its caller.
    headersTimeoutMs: {
      flag: "headers-timeout",
      help: "longest a client may take to send a request's headers, from the connection's start or the request's first byte",
      fallback: "10s",
      parse: bound,
    },
    requestTimeoutMs: {
      flag: "request-timeout",
      help: "longest a client may take to send a whole request, body included",
      fallback: "30s",
      parse: bound,
    },
    // The API server (client-go) closes a connection idle for 90 s itself; waiting longer leaves
    // that to it, so it never sends a review on a connection the webhook is closing.
    keepAliveTimeoutMs: {
      flag: "keep-alive-timeout",
      help: "close a kept-alive connection idle this long",
      fallback: "100s",
      parse: bound,
    },
    maxConnections: {
      flag: "max-connections",
      help: "connections open at once; one more is closed when accepted (also sets each connection's share of --body-budget)",
      fallback: "128",
      parse: integer(1, 65535),
    },
  },
  registry: REGISTRY_SETTINGS,
} satisfies OptionTable;
