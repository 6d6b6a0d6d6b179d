// NOTES.txt, rendered by helm itself, tells how to opt a namespace in and how to check a pod.

import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, describe, expect, it } from "vitest";

import {
  CHART_DIR,
  findObject,
  NAMESPACE,
  renderChart,
  type KubeObject,
  type Values,
} from "./helm-chart.js";

// helm template never prints NOTES.txt and helm install needs a cluster. A copy of the chart gets
// one extra template that defines NOTES.txt's exact text as a named template and renders it
// into a ConfigMap, so the same engine, values and helpers produce it.
const chartCopy = mkdtempSync(join(tmpdir(), "podinit-chart-notes-"));
cpSync(CHART_DIR, chartCopy, { recursive: true });
const notes = readFileSync(join(CHART_DIR, "templates", "NOTES.txt"), "utf8");
writeFileSync(
  join(chartCopy, "templates", "zz-notes-probe.yaml"),
  `{{- define "notes-probe" }}${notes}{{ end -}}
apiVersion: v1
kind: ConfigMap
metadata:
  name: notes-probe
data:
  notes: {{ include "notes-probe" . | toJson }}
`,
);
afterAll(() => rmSync(chartCopy, { recursive: true, force: true }));

async function renderNotes(values: Values = {}): Promise<string> {
  const probe = findObject<KubeObject & { data: { notes: string } }>(
    await renderChart(values, chartCopy),
    "ConfigMap",
    "notes-probe",
  );
  return probe.data.notes;
}

describe("NOTES.txt", () => {
  it("says how to opt a namespace in", async () => {
    expect(await renderNotes()).toContain(
      "kubectl label namespace NAMESPACE podinit.dev/inject=enabled",
    );
  });

  it("says how to check a pod's podinit.dev/status and the webhook's rollout", async () => {
    const text = await renderNotes();
    expect(text).toContain(".metadata.annotations.podinit\\.dev/status");
    expect(text).toContain(`kubectl -n ${NAMESPACE} rollout status deployment podinit`);
  });

  it("lists the namespaces that are never injected, the release's own included", async () => {
    expect(await renderNotes({ injection: { excludeNamespaces: ["legacy"] } })).toContain(
      `kube-system, kube-public, kube-node-lease, ${NAMESPACE}, legacy.`,
    );
  });

  it("warns about regenerated certificates only in tls.mode=generate", async () => {
    expect(await renderNotes()).toContain("make new ones on each render");
    expect(await renderNotes({ tls: { mode: "certManager" } })).not.toContain(
      "make new ones on each render",
    );
  });
});
