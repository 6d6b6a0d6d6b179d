// values.schema.json: a mistyped value stops the render, and Helm 4's message names the value by its path.

import { describe, expect, it } from "vitest";

import { renderChart, renderFailure, type Values } from "./helm-chart.js";

const BAD_VALUES: readonly [string, Values, RegExp][] = [
  [
    "a string for a number",
    { webhook: { timeoutSeconds: "10" } },
    /at '\/webhook\/timeoutSeconds': got string, want integer/,
  ],
  [
    "a number for a boolean",
    { registry: { pullSecrets: 1 } },
    /at '\/registry\/pullSecrets': got number, want boolean/,
  ],
  [
    "an unknown top-level key",
    { replicas: 3 },
    /at '': additional properties 'replicas' not allowed/,
  ],
  [
    "an unknown nested key",
    { webhook: { failurePolicyy: "Fail" } },
    /at '\/webhook': additional properties 'failurePolicyy' not allowed/,
  ],
  [
    "a failurePolicy Kubernetes does not know",
    { webhook: { failurePolicy: "Ignored" } },
    /at '\/webhook\/failurePolicy': value must be one of 'Ignore', 'Fail'/,
  ],
  [
    "a timeout beyond the API server's 30 s",
    { webhook: { timeoutSeconds: 45 } },
    /at '\/webhook\/timeoutSeconds': maximum: got 45, want 30/,
  ],
  [
    "a duration the webhook cannot parse",
    { injection: { graceMargin: "-5s" } },
    /at '\/injection\/graceMargin': '-5s' does not match pattern/,
  ],
  [
    "a relative mount path",
    { injection: { mountPath: "podinit" } },
    /at '\/injection\/mountPath': 'podinit' does not match pattern/,
  ],
  [
    "an unknown TLS mode",
    { tls: { mode: "selfSigned" } },
    /at '\/tls\/mode': value must be one of 'generate', 'certManager', 'secret'/,
  ],
  [
    "a tag with a colon",
    { initImage: { tag: "v1:latest" } },
    /at '\/initImage\/tag': 'v1:latest' does not match pattern/,
  ],
  [
    "an installer size that is not a resource quantity",
    { installer: { resources: { requests: { cpu: "10 millicores" } } } },
    /at '\/installer\/resources\/requests\/cpu': '10 millicores' does not match pattern/,
  ],
  [
    "a root installer",
    { installer: { runAsUser: 0 } },
    /at '\/installer\/runAsUser': minimum: got 0, want 1/,
  ],
  [
    "a registry mirror given as a URL",
    { registry: { mirrors: { "docker.io": ["https://hub-cache.internal"] } } },
    /at '\/registry\/mirrors\/docker.io\/0': 'https:\/\/hub-cache.internal' does not match pattern/,
  ],
  [
    "a registry with an empty mirror list",
    { registry: { mirrors: { "docker.io": [] } } },
    /at '\/registry\/mirrors\/docker.io': minItems: got 0, want 1/,
  ],
  [
    "a lookup cache of no entries",
    { registry: { cacheSize: 0 } },
    /at '\/registry\/cacheSize': minimum: got 0, want 1/,
  ],
  [
    "a server that accepts no connection",
    { server: { maxConnections: 0 } },
    /at '\/server\/maxConnections': minimum: got 0, want 1/,
  ],
  [
    "a drain timeout the webhook cannot parse",
    { server: { drainTimeout: "ten seconds" } },
    /at '\/server\/drainTimeout': 'ten seconds' does not match pattern/,
  ],
  [
    "a privileged port",
    { server: { port: 443 } },
    /at '\/server\/port': minimum: got 443, want 1,024/,
  ],
];

describe("values.schema.json", () => {
  it.each(BAD_VALUES)("rejects %s, naming the value", async (_what, values, message) => {
    const stderr = await renderFailure(values);
    expect(stderr).toContain("values don't meet the specifications of the schema");
    expect(stderr).toMatch(message);
  });

  it("accepts every value in values.yaml as written (the defaults render)", async () => {
    await expect(renderChart()).resolves.not.toHaveLength(0);
  });
});
