// Runs the real helm binary on charts/podinit and hands back the rendered objects or helm's own error.

import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

import { parseAllDocuments } from "yaml";

import { componentBinDir, HELM } from "../../e2e/cluster/components.js";
import {
  CHART_DIR,
  RELEASE,
  RELEASE_NAMESPACE as NAMESPACE,
} from "../support/e2e/chart-release.js";

export { CHART_DIR, RELEASE, NAMESPACE };

/** Helm 4, pinned in e2e/cluster/build and built once into the cache outside the clone. */
let helmBinary: Promise<string> | undefined;
function helm(): Promise<string> {
  helmBinary ??= componentBinDir(HELM).then(dir => join(dir, "helm"));
  return helmBinary;
}

/** Rendered for an old release the chart supports, not the one Helm 4 was built with (1.37). */
export const KUBE_VERSION = "1.30.0";

export type Values = Record<string, unknown>;

/** A rendered Kubernetes object; only the fields every object has are typed. */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string } & Record<
    string,
    unknown
  >;
  readonly [field: string]: unknown;
}

export interface HelmOutcome {
  readonly ok: boolean;
  readonly stdout: string;
  readonly stderr: string;
}

const execFileAsync = promisify(execFile);

/** Runs helm with the values written to a file (JSON is YAML), so every type survives as given. */
export async function runHelm(
  args: readonly string[],
  values: Values = {},
  chartDir = CHART_DIR,
): Promise<HelmOutcome> {
  const dir = mkdtempSync(join(tmpdir(), "podinit-chart-"));
  const valuesFile = join(dir, "values.json");
  writeFileSync(valuesFile, JSON.stringify(values));
  try {
    const { stdout, stderr } = await execFileAsync(
      await helm(),
      [...args, chartDir, "--values", valuesFile],
      {
        // helm writes its cache and config under HOME; keep them out of the user's.
        env: { ...process.env, HELM_CACHE_HOME: dir, HELM_CONFIG_HOME: dir, HELM_DATA_HOME: dir },
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    return { ok: true, stdout, stderr };
  } catch (error) {
    const failure = error as { stdout?: string; stderr?: string };
    return { ok: false, stdout: failure.stdout ?? "", stderr: failure.stderr ?? String(error) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function templateArgs(kubeVersion = KUBE_VERSION): string[] {
  return ["template", RELEASE, "--namespace", NAMESPACE, "--kube-version", kubeVersion];
}

export type Rendered =
  | { readonly ok: true; readonly objects: KubeObject[] }
  | { readonly ok: false; readonly stderr: string };

/** `helm template` output as objects, or helm's message when it refuses the values. */
export async function renderOrRefusal(
  values: Values = {},
  chartDir = CHART_DIR,
  kubeVersion = KUBE_VERSION,
): Promise<Rendered> {
  const outcome = await runHelm(templateArgs(kubeVersion), values, chartDir);
  if (!outcome.ok) return { ok: false, stderr: outcome.stderr };
  const objects = parseAllDocuments(outcome.stdout)
    .map(doc => {
      if (doc.errors.length > 0)
        throw new Error(`helm rendered invalid YAML: ${doc.errors[0]?.message}`);
      return doc.toJS() as unknown;
    })
    .filter((doc): doc is KubeObject => doc !== null && typeof doc === "object");
  return { ok: true, objects };
}

/** `helm template` output as objects; a render failure throws helm's message. */
export async function renderChart(
  values: Values = {},
  chartDir = CHART_DIR,
  kubeVersion = KUBE_VERSION,
): Promise<KubeObject[]> {
  const rendered = await renderOrRefusal(values, chartDir, kubeVersion);
  if (!rendered.ok) throw new Error(`helm template failed: ${rendered.stderr}`);
  return rendered.objects;
}

/** helm's error output for values that must not render. */
export async function renderFailure(values: Values): Promise<string> {
  const outcome = await runHelm(templateArgs(), values);
  if (outcome.ok) throw new Error("helm template succeeded but was expected to fail");
  return outcome.stderr;
}

export function lintChart(values: Values = {}): Promise<HelmOutcome> {
  return runHelm(["lint", "--strict"], values);
}

/** The one object of this kind (and name, when given); fails the test when absent or ambiguous. */
export function findObject<T = KubeObject>(
  objects: readonly KubeObject[],
  kind: string,
  name?: string,
): T {
  const matches = objects.filter(
    o => o.kind === kind && (name === undefined || o.metadata.name === name),
  );
  if (matches.length !== 1) {
    const present = objects.map(o => `${o.kind}/${o.metadata.name}`).join(", ");
    throw new Error(
      `expected one ${kind}${name === undefined ? "" : `/${name}`}, found ${matches.length} among ${present}`,
    );
  }
  return matches[0] as T;
}

export function kindsOf(objects: readonly KubeObject[]): string[] {
  return objects.map(o => o.kind).sort();
}
