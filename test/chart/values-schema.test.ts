// values.schema.json: a mistyped value stops the render, and helm's message names the value.

import { describe, expect, it } from "vitest";

import { renderChart, renderFailure, type Values } from "./helm-chart.js";

const BAD_VALUES: readonly [string, Values, RegExp][] = [
  [
    "a string for a number",
    { webhook: { timeoutSeconds: "10" } },
    /webhook\.timeoutSeconds: Invalid type\. Expected: integer, given: string/,
  ],
  [
    "a number for a boolean",
    { registry: { pullSecrets: 1 } },
    /registry\.pullSecrets: Invalid type\. Expected: boolean, given: integer/,
  ],
  ["an unknown top-level key", { replicas: 3 }, /Additional property replicas is not allowed/],
  [
    "an unknown nested key",
    { webhook: { failurePolicyy: "Fail" } },
    /webhook: Additional property failurePolicyy is not allowed/,
  ],
  [
    "a failurePolicy Kubernetes does not know",
    { webhook: { failurePolicy: "Ignored" } },
    /webhook\.failurePolicy must be one of the following: "Ignore", "Fail"/,
  ],
  [
    "a timeout beyond the API server's 30 s",
    { webhook: { timeoutSeconds: 45 } },
    /webhook\.timeoutSeconds: Must be less than or equal to 30/,
  ],
  [
    "a duration the webhook cannot parse",
    { injection: { graceMargin: "-5s" } },
    /injection\.graceMargin: Does not match pattern/,
  ],
  [
    "a relative mount path",
    { injection: { mountPath: "podinit" } },
    /injection\.mountPath: Does not match pattern/,
  ],
  [
    "an unknown TLS mode",
    { tls: { mode: "selfSigned" } },
    /tls\.mode must be one of the following: "generate", "certManager", "secret"/,
  ],
  [
    "a tag with a colon",
    { initImage: { tag: "v1:latest" } },
    /initImage\.tag: Does not match pattern/,
  ],
  [
    "a privileged port",
    { server: { port: 443 } },
    /server\.port: Must be greater than or equal to 1024/,
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
