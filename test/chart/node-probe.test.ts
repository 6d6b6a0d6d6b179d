// The node probes of injection.mode=auto: podinit run from an image volume of the init image on every Linux node, found by the webhook's selector.

import { describe, expect, it } from "vitest";

import { loadConfig } from "../../webhook/src/config.js";
import { restrictedViolations } from "../webhook/helpers/psa-restricted.js";
import { findObject, renderChart, type KubeObject, type Values } from "./helm-chart.js";

interface Container {
  readonly name: string;
  readonly image: string;
  readonly command?: string[];
  readonly volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
  readonly env?: { name: string; value: string }[];
}
interface PodTemplate {
  readonly metadata: { readonly labels: Record<string, string> };
  readonly spec: {
    readonly containers: Container[];
    readonly volumes: { name: string; image?: { reference: string } }[];
    readonly tolerations?: unknown[];
    readonly nodeSelector?: Record<string, string>;
  };
}
type Workload = KubeObject & { spec: { template: PodTemplate } };

const AUTO: Values = { injection: { mode: "auto" } };

async function render(values: Values, kubeVersion: string) {
  const objects = await renderChart(values, undefined, kubeVersion);
  const probes = objects.filter(o => o.kind === "DaemonSet") as Workload[];
  const webhook = findObject<Workload>(objects, "Deployment").spec.template.spec.containers[0];
  const loaded = loadConfig(
    [],
    Object.fromEntries((webhook?.env ?? []).map(e => [e.name, e.value])),
    "chart-test",
  );
  if (!loaded.ok) throw new Error(loaded.errors.map(e => e.message).join("; "));
  return { probes, config: loaded.config };
}

/** Whether a `k=v,k=v` selector (what the webhook is given) selects these labels. */
function selects(selector: string, labels: Record<string, string>): boolean {
  return selector.split(",").every(pair => {
    const [key = "", value] = pair.split("=");
    return labels[key] === value;
  });
}

describe("node probes (injection.mode=auto)", () => {
  it("on Kubernetes >= 1.35 run podinit from an image volume of the init image, where the webhook looks for them", async () => {
    const { probes, config } = await render(AUTO, "1.35.0");
    expect(probes).toHaveLength(1);
    const template = probes[0]?.spec.template;
    if (template === undefined) throw new Error("no probe");
    const [probe] = template.spec.containers;
    expect(probe?.command).toEqual(["/.podinit/podinit", "idle"]);
    expect(probe?.volumeMounts).toEqual([
      { name: "podinit", mountPath: "/.podinit", readOnly: true },
    ]);
    expect(template.spec.volumes).toEqual([
      { name: "podinit", image: { reference: config.mutation.initImage } },
    ]);
    expect(probes[0]?.metadata.namespace).toBe(config.nodeProbes.namespace);
    expect(selects(config.nodeProbes.selector, template.metadata.labels)).toBe(true);
    expect(config.injectionMode).toBe("auto");
  });

  it("go on every Linux node, whatever its taints, and pass PodSecurity restricted", async () => {
    const { probes } = await render(AUTO, "1.37.2");
    const template = probes[0]?.spec.template;
    expect(template?.spec.nodeSelector).toEqual({ "kubernetes.io/os": "linux" });
    expect(template?.spec.tolerations).toEqual([{ operator: "Exists" }]);
    expect(restrictedViolations(template)).toEqual([]);
  });

  it("follow the binary's path and mount path, as injected pods do", async () => {
    const { probes } = await render(
      { injection: { mode: "auto", mountPath: "/opt/pi", binaryPath: "/bin/podinit" } },
      "1.37.2",
    );
    expect(probes[0]?.spec.template.spec.containers[0]?.command).toEqual([
      "/opt/pi/bin/podinit",
      "idle",
    ]);
  });

  it.each([
    ["on Kubernetes 1.34, whose API server would reject the image volume", AUTO, "1.34.2"],
    ["in the default initContainer mode", {}, "1.37.2"],
    ["in imageVolume mode, which needs no proof", { injection: { mode: "imageVolume" } }, "1.37.2"],
  ])("are not rendered %s", async (_, values, kubeVersion) => {
    expect((await render(values, kubeVersion)).probes).toEqual([]);
  });
});
