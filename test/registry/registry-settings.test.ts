// Registry flags: defaults, every accepted form, and an error naming the flag for each bad value.

import { describe, expect, it } from "vitest";
import { rowsOf } from "#options/option-table.js";
import {
  parseRegistrySettings,
  REGISTRY_SETTINGS,
} from "../../webhook/src/registry/registry-settings.js";

describe("parseRegistrySettings", () => {
  it("has defaults for everything", () => {
    const result = parseRegistrySettings({});
    expect(result).toEqual({
      ok: true,
      settings: {
        insecureRegistries: [],
        caFile: null,
        platform: { os: "linux", architecture: "amd64", variant: null },
        lookupTimeoutMs: 3000,
        pullSecrets: true,
        mirrors: new Map(),
        tagTtlMs: 60_000,
        digestCacheSize: 1024,
        cacheBytes: 16 * 1024 * 1024,
        bodyBudgetBytes: 16 * 1024 * 1024,
      },
    });
  });

  it("reads every flag", () => {
    const result = parseRegistrySettings({
      "registry-insecure": "Registry.Test:5000, 10.0.0.1 ,[fd00::1]:80",
      "registry-ca": "/etc/podinit/ca.pem",
      "registry-mirror": "docker.io=mirror.test:5000;mirror2.test,quay.test=m.test",
      platform: "linux/arm64/v8",
      "lookup-timeout": "1500ms",
      "pull-secrets": "false",
      "registry-tag-ttl": "0",
      "registry-cache-size": "10",
      "registry-cache-bytes": "512Ki",
      "registry-body-budget": "64Mi",
    });
    expect(result).toEqual({
      ok: true,
      settings: {
        insecureRegistries: ["registry.test:5000", "10.0.0.1", "[fd00::1]:80"],
        caFile: "/etc/podinit/ca.pem",
        platform: { os: "linux", architecture: "arm64", variant: "v8" },
        lookupTimeoutMs: 1500,
        pullSecrets: false,
        mirrors: new Map([
          ["docker.io", ["mirror.test:5000", "mirror2.test"]],
          ["quay.test", ["m.test"]],
        ]),
        tagTtlMs: 0,
        digestCacheSize: 10,
        cacheBytes: 512 * 1024,
        bodyBudgetBytes: 64 * 1024 * 1024,
      },
    });
  });

  it("files Docker Hub's mirrors under docker.io whichever of its names they were given for", () => {
    const result = parseRegistrySettings({
      "registry-mirror": "index.docker.io=a.test,registry-1.docker.io=b.test,Docker.IO=c.test",
    });
    expect(result).toMatchObject({
      ok: true,
      settings: { mirrors: new Map([["docker.io", ["a.test", "b.test", "c.test"]]]) },
    });
  });

  it("reports every bad value, each naming its flag", () => {
    const result = parseRegistrySettings({
      "registry-insecure": "http://x.test",
      "registry-mirror": "docker.io",
      platform: "amd64",
      "lookup-timeout": "0s",
      "pull-secrets": "yes",
      "registry-tag-ttl": "soon",
      "registry-cache-size": "0",
      "registry-cache-bytes": "2Gi",
      "registry-body-budget": "4Mi",
    });
    expect(result.ok).toBe(false);
    const errors = result.ok ? [] : result.errors;
    for (const flag of [
      "registry-insecure",
      "registry-mirror",
      "platform",
      "lookup-timeout",
      "pull-secrets",
      "registry-tag-ttl",
      "registry-cache-size",
      "registry-cache-bytes",
      "registry-body-budget",
    ]) {
      expect(errors.filter(e => e.startsWith(`--${flag}:`))).toHaveLength(1);
    }
    expect(errors).toHaveLength(9);
    // Below the largest config a lookup reads, no lookup of one could ever succeed.
    expect(errors).toContain("--registry-body-budget: '4Mi' is not a size from 8Mi to 1024Mi");
  });

  it("refuses a mirror or an insecure registry that no URL can hold, as image references are", () => {
    const result = parseRegistrySettings({
      "registry-insecure": "[::::]",
      "registry-mirror": "docker.io=mirror.test:99999",
    });
    expect(result).toEqual({
      ok: false,
      errors: [
        "--registry-insecure: '[::::]' is not HOST or HOST:PORT",
        "--registry-mirror: 'docker.io=mirror.test:99999' is not REGISTRY=MIRROR[;MIRROR] with host[:port] names",
      ],
    });
  });

  it("refuses a lookup budget beyond the webhook's 30 s maximum", () => {
    expect(parseRegistrySettings({ "lookup-timeout": "31s" }).ok).toBe(false);
  });

  it("lists each flag once with a default the parser accepts", () => {
    const rows = rowsOf(REGISTRY_SETTINGS);
    expect(new Set(rows.map(f => f.flag)).size).toBe(rows.length);
    const defaults = Object.fromEntries(rows.map(f => [f.flag, f.fallback ?? undefined]));
    expect(parseRegistrySettings(defaults)).toEqual(parseRegistrySettings({}));
  });
});
