// Every value in values.yaml has a row in the chart README and a schema entry, so neither can fall behind.

import { readFileSync } from "node:fs";
import { join } from "node:path";

import { describe, expect, it } from "vitest";
import { parse } from "yaml";

import { CHART_DIR } from "./helm-chart.js";

interface SchemaNode {
  properties?: Record<string, SchemaNode>;
}

const values = parse(readFileSync(join(CHART_DIR, "values.yaml"), "utf8")) as Record<
  string,
  unknown
>;
const schema = JSON.parse(
  readFileSync(join(CHART_DIR, "values.schema.json"), "utf8"),
) as SchemaNode;
const readme = readFileSync(join(CHART_DIR, "README.md"), "utf8");

/** Dotted paths down to where the schema stops describing single keys (resources, affinity, …). */
function valuePaths(value: unknown, node: SchemaNode | undefined, path: string): string[] {
  const isMap = typeof value === "object" && value !== null && !Array.isArray(value);
  if (!isMap || node?.properties === undefined || Object.keys(value).length === 0) return [path];
  return Object.entries(value).flatMap(([key, child]) =>
    valuePaths(child, node.properties?.[key], path === "" ? key : `${path}.${key}`),
  );
}

const PATHS = valuePaths(values, schema, "");

describe("values.yaml", () => {
  it("has the keys this test walks (the walk itself finds nested values)", () => {
    expect(PATHS).toEqual(
      expect.arrayContaining([
        "replicaCount",
        "registry.caConfigMap.key",
        "tls.certManager.issuerRef",
      ]),
    );
  });

  // One test per document: a missing row is one fact about the README, and the failure lists them all.
  it("has a row in charts/podinit/README.md for every value", () => {
    expect(PATHS.filter(path => !readme.includes(`\`${path}\``))).toEqual([]);
  });

  it("has every value described by values.schema.json", () => {
    const undescribed = PATHS.filter(path => {
      let node: SchemaNode | undefined = schema;
      for (const key of path.split(".")) node = node?.properties?.[key];
      return node === undefined;
    });
    expect(undescribed).toEqual([]);
  });
});
