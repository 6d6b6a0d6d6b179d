import { describe, expect, it } from "vitest";
import { envName } from "#options/option-table.js";
import { configHelp, loadConfig } from "../../webhook/src/config.js";

const REQUIRED = [
  "--tls-cert",
  "/tls/tls.crt",
  "--tls-key",
  "/tls/tls.key",
  "--init-image",
  "ghcr.io/podinit/podinit:0.1.0",
];

function ok(argv: string[], env: Record<string, string> = {}) {
  const result = loadConfig(argv, env, "1.2.3");
  if (!result.ok) throw new Error(result.errors.map(e => e.message).join("\n"));
  return result;
}

function problems(argv: string[], env: Record<string, string> = {}): string[] {
  const result = loadConfig(argv, env, "1.2.3");
  if (result.ok) throw new Error("expected the configuration to be rejected");
  expect(result.errors.every(e => e.code === "ERR_CONFIG_INVALID")).toBe(true);
  return result.errors.map(e => e.message);
}

describe("loadConfig", () => {
  it("has working defaults once the three required settings are given", () => {
    const { config } = ok(REQUIRED);
    expect(config.port).toBe(8443);
    expect(config.bodyLimitBytes).toBe(3 * 1024 * 1024);
    expect(config.mutation).toMatchObject({
      version: "1.2.3",
      binaryPathInImage: "/podinit",
      mountPath: "/.podinit",
      volumeSizeLimit: "8Mi",
      graceMarginMs: 2000,
      initImagePullPolicy: null,
    });
    expect(config.mutation.excludedNamespaces).toContain("kube-system");
    expect(config.mutation.injectorContainers).toContain("istio-proxy");
    expect(Object.isFrozen(config) && Object.isFrozen(config.mutation)).toBe(true);
  });

  it("reads every setting from PODINIT_* and lets flags win", () => {
    const env = {
      PODINIT_TLS_CERT: "/a.crt",
      PODINIT_TLS_KEY: "/a.key",
      PODINIT_INIT_IMAGE: "img:1",
      PODINIT_PORT: "9443",
      PODINIT_EXCLUDE_NAMESPACES: "a, b,",
      PODINIT_MOUNT_PATH: "/opt/podinit/",
    };
    const { config } = ok(["--port=10250"], env);
    expect(config.port).toBe(10250);
    expect(config.tlsCertFile).toBe("/a.crt");
    expect(config.mutation.excludedNamespaces).toEqual(["a", "b"]);
    expect(config.mutation.mountPath).toBe("/opt/podinit");
    expect(envName("init-image-pull-policy")).toBe("PODINIT_INIT_IMAGE_PULL_POLICY");
  });

  it("sizes the installer from two lists and refuses a request above its limit, naming both", () => {
    const { config } = ok([
      ...REQUIRED,
      "--installer-requests=memory=8Mi, cpu=5m",
      "--installer-limits=cpu=1,memory=64Mi",
    ]);
    expect(config.mutation.installerResources.requirements).toEqual({
      requests: { cpu: "5m", memory: "8Mi" },
      limits: { cpu: "1", memory: "64Mi" },
    });
    expect(config.mutation.installerUser).toBe(65532);
    expect(
      problems([...REQUIRED, "--installer-requests=cpu=200m,memory=16Mi"], {
        PODINIT_INSTALLER_USER: "0",
      }),
    ).toEqual([
      "PODINIT_INSTALLER_USER: '0' is not a whole number from 1 to 2147483647",
      "--installer-requests, --installer-limits: the cpu request 200m is above its limit 100m",
    ]);
    expect(problems([...REQUIRED, "--installer-limits=cpu=1"], {})).toEqual([
      "--installer-requests, --installer-limits: limits: 'cpu=1' must give both cpu and memory, like cpu=10m,memory=16Mi",
    ]);
  });

  it("reports every bad setting at once, each by the name the user typed", () => {
    const messages = problems(["--port", "0x1", "--body-limit=10Gi", "--mount-path", "relative"], {
      PODINIT_GRACE_MARGIN: "-2s",
      PODINIT_INIT_IMAGE_PULL_POLICY: "Sometimes",
    });
    expect(messages).toEqual([
      "--port: '0x1' is not a whole number from 0 to 65535",
      "--tls-cert (or PODINIT_TLS_CERT) is required: PEM certificate chain file",
      "--tls-key (or PODINIT_TLS_KEY) is required: PEM private key file",
      "--init-image (or PODINIT_INIT_IMAGE) is required: image holding the podinit binary",
      "PODINIT_INIT_IMAGE_PULL_POLICY: 'Sometimes' is not one of Always, IfNotPresent, Never",
      "--mount-path: 'relative' is not an absolute path other than /",
      "PODINIT_GRACE_MARGIN: '-2s' is not a duration like 30s, 500ms or 1m",
      "--body-limit: '10Gi' is not a size from 1Ki to 64Mi",
    ]);
  });

  it("auto starts on init containers and needs the node probes' namespace, named by the setting the user set", () => {
    const { config } = ok([...REQUIRED, "--injection-mode=auto", "--node-probe-namespace=podinit"]);
    expect(config.injectionMode).toBe("auto");
    expect(config.mutation.injectionMode).toBe("initContainer");
    expect(config.nodeProbes.namespace).toBe("podinit");
    expect(problems(REQUIRED, { PODINIT_INJECTION_MODE: "auto" })).toEqual([
      "--node-probe-namespace is required with PODINIT_INJECTION_MODE=auto: the namespace whose node probes prove image volumes (the chart sets it)",
    ]);
    expect(problems([...REQUIRED, "--injection-mode=sometimes"])).toEqual([
      "--injection-mode: 'sometimes' is not one of initContainer, imageVolume, auto",
    ]);
  });

  it("bounds every connection phase and the connections open by default, as the API server's calls need", () => {
    const { config } = ok(REQUIRED);
    // Above the API server's 10 s default and 30 s longest timeout, and its 90 s idle close.
    expect(config.connections).toEqual({
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      keepAliveTimeoutMs: 100_000,
      maxConnections: 128,
    });
    expect(config.drainTimeoutMs).toBe(10_000);
    const { config: set } = ok([...REQUIRED, "--request-timeout=2s", "--drain-timeout=1500ms"], {
      PODINIT_HEADERS_TIMEOUT: "500ms",
      PODINIT_KEEP_ALIVE_TIMEOUT: "1m",
      PODINIT_MAX_CONNECTIONS: "16",
    });
    expect(set.connections).toEqual({
      headersTimeoutMs: 500,
      requestTimeoutMs: 2000,
      keepAliveTimeoutMs: 60_000,
      maxConnections: 16,
    });
    expect(set.drainTimeoutMs).toBe(1500);
  });

  it("refuses a connection bound of zero or beyond reach, and headers slower than their request, naming each setting", () => {
    expect(
      problems([...REQUIRED, "--headers-timeout=0s", "--keep-alive-timeout=1h"], {
        PODINIT_DRAIN_TIMEOUT: "soon",
        PODINIT_MAX_CONNECTIONS: "0",
      }),
    ).toEqual([
      "PODINIT_DRAIN_TIMEOUT: 'soon' is not a duration from 1ms to 10m, like 10s or 500ms",
      "--headers-timeout: '0s' is not a duration from 1ms to 10m, like 10s or 500ms",
      "--keep-alive-timeout: '1h' is not a duration from 1ms to 10m, like 10s or 500ms",
      "PODINIT_MAX_CONNECTIONS: '0' is not a whole number from 1 to 65535",
    ]);
    expect(
      problems([...REQUIRED, "--request-timeout=20s"], { PODINIT_HEADERS_TIMEOUT: "40s" }),
    ).toEqual([
      "PODINIT_HEADERS_TIMEOUT (40s) is above --request-timeout (20s): the headers are part of the request",
    ]);
  });

  it("listens on an IP address, never a name that may stand for several", () => {
    expect(ok([...REQUIRED, "--host", "::"]).config.host).toBe("::");
    expect(problems([...REQUIRED, "--host", "localhost"])).toEqual([
      "--host: 'localhost' is not an IP address (0.0.0.0, ::, 127.0.0.1, …); a name such as localhost may stand for several",
    ]);
  });

  it("notes a drain no longer than the lookups it may have to wait for", () => {
    expect(ok([...REQUIRED, "--drain-timeout=3s"]).notices).toEqual([
      "--drain-timeout (3s) is not above --lookup-timeout (3s): on shutdown, a review still waiting for its image lookups may have its connection cut",
    ]);
    expect(ok(REQUIRED).notices).toEqual([]);
  });

  it("bounds the bytes of reviews held at once: 32Mi by default, never below the largest review", () => {
    expect(ok(REQUIRED).config.bodyBudgetBytes).toBe(32 * 1024 * 1024);
    expect(ok([...REQUIRED, "--body-budget=3Mi"]).config.bodyBudgetBytes).toBe(3 * 1024 * 1024);
    expect(problems([...REQUIRED, "--body-budget=2Mi"])).toEqual([
      "--body-limit (3145728 bytes) is above --body-budget (2097152 bytes): a review as large as the limit could never be received",
    ]);
    expect(problems(REQUIRED, { PODINIT_BODY_BUDGET: "lots" })).toEqual([
      "PODINIT_BODY_BUDGET: 'lots' is not a size from 1Ki to 1024Mi",
    ]);
  });

  it("rejects unknown flags and flags without a value", () => {
    expect(problems([...REQUIRED, "--prot", "1"])).toEqual([
      "unknown argument '--prot' (see --help)",
    ]);
    expect(problems([...REQUIRED, "--port"])).toEqual(["--port needs a value"]);
  });

  it("ignores a Kubernetes service link in PODINIT_PORT, with a notice", () => {
    const result = ok(REQUIRED, { PODINIT_PORT: "tcp://10.96.0.12:443" });
    expect(result.config.port).toBe(8443);
    expect(result.notices).toEqual([
      expect.stringContaining("looks like a Kubernetes service link"),
    ]);
  });

  it("names a registry setting by the flag or the variable its text came from, as any other", () => {
    expect(
      problems([...REQUIRED, "--registry-insecure=ok.test, http://x.test"], {
        PODINIT_REGISTRY_CACHE_SIZE: "0",
        PODINIT_PULL_SECRETS: "yes",
      }),
    ).toEqual([
      "--registry-insecure: 'http://x.test' is not HOST or HOST:PORT",
      "PODINIT_PULL_SECRETS: 'yes' is not true or false",
      "PODINIT_REGISTRY_CACHE_SIZE: '0' is not a whole number from 1 to 1000000",
    ]);
    expect(ok([...REQUIRED, "--lookup-timeout=2s"]).config.registry.lookupTimeoutMs).toBe(2000);
  });

  it("lists in --help every setting it reads, each once with its variable", () => {
    const flags = [...configHelp().matchAll(/^ {2}--([a-z0-9-]+) \((PODINIT_[A-Z0-9_]+)\)/gm)];
    // Every line after the usage and a blank one is a setting.
    expect(flags).toHaveLength(configHelp().trimEnd().split("\n").length - 2);
    expect(new Set(flags.map(m => m[1])).size).toBe(flags.length);
    for (const m of flags) expect(envName(m[1] ?? "")).toBe(m[2]);
    expect(configHelp()).toContain("--registry-tag-ttl (PODINIT_REGISTRY_TAG_TTL)");
  });
});
