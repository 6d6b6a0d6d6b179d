// Values reach the webhook as PODINIT_* variables that the webhook's own config loader accepts and reads back.

import { describe, expect, it } from "vitest";

import { configHelp, loadConfig, type Config } from "../../webhook/src/config.js";
import {
  findObject,
  NAMESPACE,
  RELEASE,
  renderChart,
  renderFailure,
  renderOrRefusal,
  type KubeObject,
  type Values,
} from "./helm-chart.js";

/** Settings of the registry lookup, checked by the webhook's loader like every other setting. */
const REGISTRY_VARIABLES = [
  "PODINIT_PULL_SECRETS",
  "PODINIT_PLATFORM",
  "PODINIT_LOOKUP_TIMEOUT",
  "PODINIT_REGISTRY_INSECURE",
  "PODINIT_REGISTRY_MIRROR",
  "PODINIT_REGISTRY_TAG_TTL",
  "PODINIT_REGISTRY_CACHE_SIZE",
  "PODINIT_REGISTRY_CACHE_BYTES",
  "PODINIT_REGISTRY_CA",
];

/** The webhook's settings, and Node's own options (the heap bound). */
const KNOWN_VARIABLES = new Set([
  ...[...configHelp().matchAll(/\((PODINIT_[A-Z0-9_]+)\)/g)].map(m => m[1]),
  "NODE_OPTIONS",
]);

type Container = { env: { name: string; value: string }[]; args?: unknown; command?: unknown };

/** The webhook container's variables in a rendered chart. */
function webhookEnvOf(objects: readonly KubeObject[]): Record<string, string> {
  const deployment = findObject<
    KubeObject & { spec: { template: { spec: { containers: Container[] } } } }
  >(objects, "Deployment");
  const container = deployment.spec.template.spec.containers[0];
  if (container === undefined) throw new Error("no webhook container");
  // Settings travel only as variables: a flag the webhook does not know would stop it.
  expect(container.args).toBeUndefined();
  expect(container.command).toBeUndefined();
  return Object.fromEntries(container.env.map(e => [e.name, e.value]));
}

async function webhookEnv(values: Values = {}): Promise<Record<string, string>> {
  return webhookEnvOf(await renderChart(values));
}

function loadFromEnv(env: Record<string, string>): Config {
  const result = loadConfig([], env, "chart-test");
  if (!result.ok) throw new Error(result.errors.map(e => e.message).join("; "));
  return result.config;
}

const CUSTOM: Values = {
  initImage: { repository: "registry.example/podinit/podinit", tag: "0.2.0", pullPolicy: "Always" },
  injection: {
    binaryPath: "/bin/podinit",
    mountPath: "/opt/podinit",
    volumeSizeLimit: "16Mi",
    graceMargin: "5s",
    excludeNamespaces: ["legacy", "batch"],
    injectorContainers: ["my-proxy", "envoy"],
    pid1Entrypoints: ["/sbin/tini"],
  },
  installer: {
    runAsUser: 1001,
    resources: { requests: { cpu: "0.02", memory: "20Mi" }, limits: { cpu: "1", memory: "1Gi" } },
  },
  server: {
    port: 9443,
    logLevel: "debug",
    bodyLimit: "1Mi",
    bodyBudget: "8Mi",
    shutdownDelay: "5s",
    drainTimeout: "20s",
    headersTimeout: "5s",
    requestTimeout: "15s",
    keepAliveTimeout: "2m",
    maxConnections: 64,
    tlsReloadInterval: "30s",
  },
  registry: {
    pullSecrets: false,
    platform: "linux/arm64",
    lookupTimeout: "2s",
    insecure: ["registry.internal:5000", "mirror.internal"],
    mirrors: {
      "index.docker.io": ["hub-cache.internal:5000", "hub-cache-2.internal"],
      "ghcr.io": ["ghcr-cache.internal"],
    },
    tagTtl: "30s",
    cacheSize: 64,
    cacheBytes: "2Mi",
    bodyBudget: "24Mi",
    caConfigMap: { name: "registry-ca", key: "bundle.pem" },
  },
};

describe("values → webhook settings", () => {
  it("every variable is one the webhook reads", async () => {
    for (const values of [{}, CUSTOM]) {
      const names = Object.keys(await webhookEnv(values));
      expect(names.filter(name => !KNOWN_VARIABLES.has(name))).toEqual([]);
    }
    expect(Object.keys(await webhookEnv(CUSTOM))).toEqual(
      expect.arrayContaining(REGISTRY_VARIABLES),
    );
  });

  it("the defaults load, and match the webhook's own defaults except for the release namespace", async () => {
    const fromChart = loadFromEnv(await webhookEnv());
    const webhookDefaults = loadFromEnv({
      PODINIT_TLS_CERT: "/tls/tls.crt",
      PODINIT_TLS_KEY: "/tls/tls.key",
      PODINIT_INIT_IMAGE: "podinit/podinit:0.1.0",
    });
    expect(fromChart.mutation.excludedNamespaces).toEqual([
      ...webhookDefaults.mutation.excludedNamespaces,
      NAMESPACE,
    ]);
    // The chart names the namespace and release of its node probes; the webhook cannot know them.
    expect(fromChart.nodeProbes).toEqual({
      namespace: NAMESPACE,
      selector: `app.kubernetes.io/component=node-probe,app.kubernetes.io/instance=${RELEASE},app.kubernetes.io/name=podinit`,
    });
    const without = (config: typeof fromChart) => ({
      ...config,
      nodeProbes: null,
      mutation: { ...config.mutation, excludedNamespaces: [] },
    });
    expect(without(fromChart)).toEqual(without(webhookDefaults));
  });

  it("each value arrives in the webhook's parsed configuration", async () => {
    const config = loadFromEnv(await webhookEnv(CUSTOM));
    expect(config).toMatchObject({
      port: 9443,
      tlsCertFile: "/tls/tls.crt",
      tlsKeyFile: "/tls/tls.key",
      tlsReloadIntervalMs: 30_000,
      bodyLimitBytes: 1024 * 1024,
      bodyBudgetBytes: 8 * 1024 * 1024,
      logLevel: "debug",
      shutdownDelayMs: 5000,
      drainTimeoutMs: 20_000,
      connections: {
        headersTimeoutMs: 5000,
        requestTimeoutMs: 15_000,
        keepAliveTimeoutMs: 120_000,
        maxConnections: 64,
      },
    });
    expect(config.mutation).toMatchObject({
      initImage: "registry.example/podinit/podinit:0.2.0",
      initImagePullPolicy: "Always",
      binaryPathInImage: "/bin/podinit",
      mountPath: "/opt/podinit",
      volumeSizeLimit: "16Mi",
      graceMarginMs: 5000,
      excludedNamespaces: [
        "kube-system",
        "kube-public",
        "kube-node-lease",
        NAMESPACE,
        "legacy",
        "batch",
      ],
      injectorContainers: ["my-proxy", "envoy"],
      pid1Entrypoints: ["/sbin/tini"],
      installerUser: 1001,
      installerResources: {
        requirements: {
          requests: { cpu: "0.02", memory: "20Mi" },
          limits: { cpu: "1", memory: "1Gi" },
        },
      },
    });
  });

  it("the registry settings carry the values in the form the webhook's flags take", async () => {
    const env = await webhookEnv(CUSTOM);
    expect(loadFromEnv(env).registry).toMatchObject({
      pullSecrets: false,
      platform: { os: "linux", architecture: "arm64", variant: null },
      lookupTimeoutMs: 2000,
      insecureRegistries: ["registry.internal:5000", "mirror.internal"],
      mirrors: new Map([
        ["ghcr.io", ["ghcr-cache.internal"]],
        ["docker.io", ["hub-cache.internal:5000", "hub-cache-2.internal"]],
      ]),
      tagTtlMs: 30_000,
      digestCacheSize: 64,
      cacheBytes: 2 * 1024 * 1024,
      bodyBudgetBytes: 24 * 1024 * 1024,
      caFile: "/etc/podinit/registry-ca/bundle.pem",
    });
    expect(Object.fromEntries(REGISTRY_VARIABLES.map(name => [name, env[name]]))).toEqual({
      PODINIT_PULL_SECRETS: "false",
      PODINIT_PLATFORM: "linux/arm64",
      PODINIT_LOOKUP_TIMEOUT: "2s",
      PODINIT_REGISTRY_INSECURE: "registry.internal:5000,mirror.internal",
      PODINIT_REGISTRY_MIRROR:
        "ghcr.io=ghcr-cache.internal,index.docker.io=hub-cache.internal:5000;hub-cache-2.internal",
      PODINIT_REGISTRY_TAG_TTL: "30s",
      PODINIT_REGISTRY_CACHE_SIZE: "64",
      PODINIT_REGISTRY_CACHE_BYTES: "2Mi",
      PODINIT_REGISTRY_CA: "/etc/podinit/registry-ca/bundle.pem",
    });
  });

  it("the registry CA file named in PODINIT_REGISTRY_CA is mounted from the ConfigMap", async () => {
    const objects = await renderChart(CUSTOM);
    const pod = findObject<
      KubeObject & {
        spec: {
          template: {
            spec: {
              volumes: { name: string; configMap?: { name: string } }[];
              containers: { volumeMounts: { name: string; mountPath: string }[] }[];
            };
          };
        };
      }
    >(objects, "Deployment").spec.template.spec;
    expect(pod.volumes).toContainEqual({ name: "registry-ca", configMap: { name: "registry-ca" } });
    expect(pod.containers[0]?.volumeMounts).toContainEqual({
      name: "registry-ca",
      mountPath: "/etc/podinit/registry-ca",
      readOnly: true,
    });
  });

  it("refuses a grace period the shutdown delay and the drain do not fit in, naming the three values", async () => {
    const tooShort = await renderFailure({
      server: { shutdownDelay: "5s", drainTimeout: "25s" },
    });
    expect(tooShort).toContain(
      "terminationGracePeriodSeconds (30) must be at least 1s longer than server.shutdownDelay (5s) + server.drainTimeout (25s)",
    );
    // Each duration is read as the webhook reads it: 1m30s, 1500ms and a bare number of seconds.
    const fits = {
      server: { shutdownDelay: "1m30s", drainTimeout: "1500ms" },
      terminationGracePeriodSeconds: 93,
    };
    const deployment = findObject<
      KubeObject & { spec: { template: { spec: { terminationGracePeriodSeconds: number } } } }
    >(await renderChart(fits), "Deployment");
    expect(deployment.spec.template.spec.terminationGracePeriodSeconds).toBe(93);
    await expect(
      renderFailure({ ...fits, server: { shutdownDelay: "90", drainTimeout: "2001ms" } }),
    ).resolves.toContain("must be at least 1s longer");
  });

  it("a digest pins the init image", async () => {
    const digest = `sha256:${"c".repeat(64)}`;
    const config = loadFromEnv(
      await webhookEnv({ initImage: { repository: "example/podinit", digest } }),
    );
    expect(config.mutation.initImage).toBe(`example/podinit@${digest}`);
  });
});

/** Durations, sizes and counts at, inside and just past the bounds the webhook's settings have. */
const DURATIONS = [
  "0s",
  "0.5ms",
  "1ms",
  "1.5ms",
  "1.001s",
  "30",
  "30s",
  "30001ms",
  "1m30s",
  "10m",
  "600001ms",
  "24h",
  "86400001ms",
  "25h",
];
const SIZES = [
  "0",
  "1023",
  "1Ki",
  "65535",
  "64Ki",
  "3Mi",
  "8191Ki",
  "8Mi",
  "32Mi",
  "64Mi",
  "67108865",
  "1024Mi",
  "1025Mi",
];
// Large whole numbers too: YAML reads them as floats, which text templates write as 1e+06.
const COUNTS = [
  0, 1, 1023, 1024, 65535, 65536, 1_000_000, 1_000_001, 1_000_680_000, 2_147_483_647, 2_147_483_648,
];

/**
 * Each value the chart hands the webhook with a bound of its own: its path in values, its
 * variable, the values tried, and those the chart refuses on purpose though the webhook takes them.
 */
interface Bounded {
  readonly path: string;
  readonly variable: string;
  readonly tried: readonly unknown[];
  readonly stricter?: readonly unknown[];
  /** The variable's text for a value, where the value is one part of it. */
  readonly text?: (value: unknown) => string;
}

const HOSTS = [
  "registry.internal:5000",
  "mirror.internal",
  "A.B:443",
  "h:65535",
  "h:65536",
  "h:99999",
  "10.1",
  "1.2.3.4",
  "1.2.3.999",
  "01.2.3.4",
  "foo.1",
  "a.0x1",
  "a..b",
  "-a.b",
  "a-.b",
];
const PATHS = ["/podinit", "/opt/pi", "/opt/../podinit", "/a..b", "/opt/.pi"];
const CPU = [
  "0",
  "1e999999",
  "1n",
  "5m",
  "9m",
  "10m",
  "0.1",
  "100m",
  "100000u",
  "1e-1",
  "101m",
  "0.11",
  "1",
];
const MEMORY = [
  "0",
  "15Mi",
  "16Mi",
  "16777215",
  "32Mi",
  "33554432",
  "33554433",
  "0.03125Gi",
  "32769Ki",
  "3e7",
  "1Gi",
];

/** The chart's default installer size: each of its four quantities is tried with the rest as they are. */
const INSTALLER_SIZE = {
  requests: { cpu: "10m", memory: "16Mi" },
  limits: { cpu: "100m", memory: "32Mi" },
} as const;

const INSTALLER_QUANTITIES: readonly Bounded[] = (["requests", "limits"] as const).flatMap(kind =>
  (["cpu", "memory"] as const).map(resource => ({
    path: `installer.resources.${kind}.${resource}`,
    variable: `PODINIT_INSTALLER_${kind.toUpperCase()}`,
    tried: resource === "cpu" ? CPU : MEMORY,
    // As PODINIT_INSTALLER_* write a size: cpu=…,memory=….
    text: (value: unknown) => {
      const size = { ...INSTALLER_SIZE[kind], [resource]: String(value) };
      return `cpu=${size.cpu},memory=${size.memory}`;
    },
  })),
);

const BOUNDED: readonly Bounded[] = [
  { path: "server.tlsReloadInterval", variable: "PODINIT_TLS_RELOAD_INTERVAL", tried: DURATIONS },
  { path: "server.shutdownDelay", variable: "PODINIT_SHUTDOWN_DELAY", tried: DURATIONS },
  { path: "server.drainTimeout", variable: "PODINIT_DRAIN_TIMEOUT", tried: DURATIONS },
  { path: "server.headersTimeout", variable: "PODINIT_HEADERS_TIMEOUT", tried: DURATIONS },
  { path: "server.requestTimeout", variable: "PODINIT_REQUEST_TIMEOUT", tried: DURATIONS },
  { path: "server.keepAliveTimeout", variable: "PODINIT_KEEP_ALIVE_TIMEOUT", tried: DURATIONS },
  { path: "injection.graceMargin", variable: "PODINIT_GRACE_MARGIN", tried: DURATIONS },
  { path: "registry.lookupTimeout", variable: "PODINIT_LOOKUP_TIMEOUT", tried: DURATIONS },
  { path: "registry.tagTtl", variable: "PODINIT_REGISTRY_TAG_TTL", tried: DURATIONS },
  { path: "server.bodyLimit", variable: "PODINIT_BODY_LIMIT", tried: SIZES },
  { path: "server.bodyBudget", variable: "PODINIT_BODY_BUDGET", tried: SIZES },
  { path: "registry.cacheBytes", variable: "PODINIT_REGISTRY_CACHE_BYTES", tried: SIZES },
  { path: "registry.bodyBudget", variable: "PODINIT_REGISTRY_BODY_BUDGET", tried: SIZES },
  // The chart runs the webhook as a user that cannot bind a port below 1024.
  { path: "server.port", variable: "PODINIT_PORT", tried: COUNTS, stricter: [0, 1, 1023] },
  { path: "server.maxConnections", variable: "PODINIT_MAX_CONNECTIONS", tried: COUNTS },
  { path: "registry.cacheSize", variable: "PODINIT_REGISTRY_CACHE_SIZE", tried: COUNTS },
  { path: "installer.runAsUser", variable: "PODINIT_INSTALLER_USER", tried: COUNTS },
  ...INSTALLER_QUANTITIES,
  {
    path: "registry.insecure",
    variable: "PODINIT_REGISTRY_INSECURE",
    tried: HOSTS.map(host => [host]),
    text: hosts => (hosts as string[]).join(","),
  },
  {
    path: "registry.mirrors",
    variable: "PODINIT_REGISTRY_MIRROR",
    tried: HOSTS.flatMap(host => [{ [host]: ["cache.internal"] }, { "ghcr.io": [host] }]),
    text: mirrors =>
      Object.entries(mirrors as Record<string, string[]>)
        .map(([registry, caches]) => `${registry}=${caches.join(";")}`)
        .join(","),
  },
  { path: "injection.binaryPath", variable: "PODINIT_BINARY_PATH", tried: PATHS },
  { path: "injection.mountPath", variable: "PODINIT_MOUNT_PATH", tried: PATHS },
  {
    path: "injection.volumeSizeLimit",
    variable: "PODINIT_VOLUME_SIZE_LIMIT",
    tried: ["0", "1", "8Mi", "1.5Gi", "100M", "10G"],
  },
];

/** A tried value as the test's report shows it. */
function shown(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** The texts a tried value holds: map keys and leaves. */
function textsIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(textsIn);
  if (typeof value === "object" && value !== null)
    return Object.entries(value).flatMap(([k, v]) => [k, ...textsIn(v)]);
  return [String(value)];
}

function valuesAt(path: string, value: unknown): Values {
  const values = path
    .split(".")
    .reduceRight<unknown>((inner, key) => ({ [key]: inner }), value) as Values;
  // A grace period that fits the longest shutdown delay and drain the webhook takes, so that only
  // the bounds decide (the grace period's own check has its test above).
  return { ...values, terminationGracePeriodSeconds: 2 * 86_400 + 60 };
}

describe("values at and past the webhook's bounds", () => {
  // A chart that installs must give a webhook that starts: a value it would refuse at start, and
  // leave in CrashLoopBackOff, helm refuses at install, naming it; and helm takes every value the
  // webhook takes.
  it.each(BOUNDED)(
    "$path: helm renders exactly the values $variable the webhook starts with",
    async ({ path, variable, tried, stricter = [], text = String }) => {
      const defaults = await webhookEnv();
      const key = path.split(".").at(-1) ?? path;
      const disagreements = await Promise.all(
        tried.map(async value => {
          const started = loadConfig([], { ...defaults, [variable]: text(value) }, "chart-test");
          const rendered = await renderOrRefusal(valuesAt(path, value));
          if (rendered.ok) {
            const fromChart = loadConfig([], webhookEnvOf(rendered.objects), "chart-test");
            return fromChart.ok
              ? null
              : `${shown(value)}: rendered, and the webhook refuses it: ${fromChart.errors.map(e => e.message).join("; ")}`;
          }
          if (started.ok && !stricter.includes(value))
            return `${shown(value)}: the webhook takes it, helm refuses it: ${rendered.stderr}`;
          // Refused for this value, by the schema or the chart's bounds, not for a broken chart:
          // helm names the setting, or the text refused (the schema's path for a map's key is
          // not always the map's).
          const named = [key, ...textsIn(value)].some(text => rendered.stderr.includes(text));
          return named ? null : `${shown(value)}: ${rendered.stderr}`;
        }),
      );
      expect(disagreements.filter(d => d !== null)).toEqual([]);
    },
  );
});
