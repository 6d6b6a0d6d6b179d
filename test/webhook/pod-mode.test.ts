// podinit.dev/mode on a pod or its namespace: the mode for that pod, never one its API server would reject.
import { describe, expect, it } from "vitest";
import { mutatePod } from "../../webhook/src/mutation/mutate-pod.js";
import type { Container, Pod } from "../../webhook/src/mutation/pod-types.js";
import type { MutationSettings } from "../../webhook/src/mutation/settings.js";
import { decodeAnswer, reviewOf, testApp } from "../support/webhook/app.js";
import { admitUpdate, app, deepFreeze, patched, podWith, updateOf } from "./helpers/pods.js";
import { TEST_SETTINGS } from "../support/webhook/settings.js";

const ADMITTED: MutationSettings = { ...TEST_SETTINGS, imageVolumesAdmitted: true };
const OLD_SERVER: MutationSettings = { ...TEST_SETTINGS, imageVolumesAdmitted: false };
const IMAGE_VOLUME: MutationSettings = { ...ADMITTED, injectionMode: "imageVolume" };

const annotated = (mode: string): Pod =>
  podWith([app("web")], { annotations: { "podinit.dev/mode": mode } });

const inject = (pod: Pod, settings: MutationSettings) =>
  mutatePod(deepFreeze(pod), "apps", settings);

const statusMode = (pod: Pod): unknown =>
  (JSON.parse(pod.metadata?.annotations?.["podinit.dev/status"] ?? "{}") as { mode?: unknown })
    .mode;

const hasInstaller = (pod: Pod): boolean =>
  (pod.spec.initContainers ?? []).some(c => c.name === "podinit-install");
const hasImageVolume = (pod: Pod): boolean =>
  (pod.spec.volumes ?? []).some(v => v["image"] !== undefined);

describe("podinit.dev/mode on a pod", () => {
  it("imageVolume mounts podinit from its image in a cluster whose default is the init container", () => {
    const result = inject(annotated("imageVolume"), ADMITTED);
    expect(hasImageVolume(result.pod)).toBe(true);
    expect(hasInstaller(result.pod)).toBe(false);
    expect(statusMode(result.pod)).toBe("imageVolume");
    expect(result.warnings).toEqual([]);
  });

  it("initContainer copies podinit in a cluster whose default is the image volume", () => {
    const result = inject(annotated("initContainer"), IMAGE_VOLUME);
    expect(hasInstaller(result.pod)).toBe(true);
    expect(hasImageVolume(result.pod)).toBe(false);
    expect(statusMode(result.pod)).toBe("initContainer");
  });

  it("auto takes the namespace's or the cluster's mode", () => {
    expect(statusMode(inject(annotated("auto"), IMAGE_VOLUME).pod)).toBe("imageVolume");
    expect(statusMode(inject(annotated("auto"), ADMITTED).pod)).toBe("initContainer");
  });

  it("asking for an image volume on an API server before 1.35 gets the init container and a warning, not a rejected pod", () => {
    const result = inject(annotated("imageVolume"), OLD_SERVER);
    expect(result.decision).toBe("injected");
    expect(hasInstaller(result.pod)).toBe(true);
    expect(hasImageVolume(result.pod)).toBe(false);
    expect(result.warnings).toEqual([expect.stringContaining("Kubernetes 1.35") as unknown]);
  });

  it("a namespace or chart mode of imageVolume on an old API server falls back the same way", () => {
    const result = inject(podWith([app("web")]), { ...OLD_SERVER, injectionMode: "imageVolume" });
    expect(hasInstaller(result.pod)).toBe(true);
    expect(result.warnings).toEqual([expect.stringContaining("init container") as unknown]);
  });

  it("a value that is no mode earns a warning naming the valid ones and keeps the default", () => {
    const result = inject(annotated("image-volume"), ADMITTED);
    expect(statusMode(result.pod)).toBe("initContainer");
    expect(result.warnings).toEqual([
      expect.stringContaining("initContainer, imageVolume, auto") as unknown,
    ]);
  });

  it("applies to the whole pod only: podinit.dev/mode.<container> is ignored with a warning", () => {
    const pod = podWith([app("web")], { annotations: { "podinit.dev/mode.web": "imageVolume" } });
    const result = inject(pod, ADMITTED);
    expect(statusMode(result.pod)).toBe("initContainer");
    expect(result.warnings).toEqual([expect.stringContaining("whole pod only") as unknown]);
  });
});

describe("a pod injected in one mode and seen again in the other (the chart's or auto's mode changed)", () => {
  const container = (pod: Pod, name: string): Container | undefined =>
    pod.spec.containers.find(c => c.name === name);
  // A custom --binary-path makes the two modes' podinit paths differ, and this one does not end
  // in "podinit", so only knowing both modes' paths finds it.
  const custom = { binaryPathInImage: "/bin/pi" };
  const withShipper = (pod: Pod): Pod => ({
    ...pod,
    spec: { ...pod.spec, containers: [...pod.spec.containers, app("shipper")] },
  });

  it("wraps a container added since with the path of the mode the pod was injected in", () => {
    const copied = inject(podWith([app("web")]), { ...ADMITTED, ...custom }).pod;
    const again = inject(withShipper(copied), { ...IMAGE_VOLUME, ...custom });
    expect(again.decision).toBe("reinvoked");
    expect(container(again.pod, "shipper")?.command?.[0]).toBe("/.podinit/podinit");
    expect(hasImageVolume(again.pod)).toBe(false);
    expect(statusMode(again.pod)).toBe("initContainer");

    const mounted = inject(podWith([app("web")]), { ...IMAGE_VOLUME, ...custom }).pod;
    const later = inject(withShipper(mounted), { ...ADMITTED, ...custom });
    expect(container(later.pod, "shipper")?.command?.[0]).toBe("/.podinit/bin/pi");
    expect(hasInstaller(later.pod)).toBe(false);
    expect(patched(withShipper(mounted), later.patch)).toEqual(later.pod);
    expect(later.pod.spec.volumes).toHaveLength(1);
  });

  it("on UPDATE still puts back the wrapped command a second apply dropped", () => {
    const stored = inject(podWith([app("web")]), { ...IMAGE_VOLUME, ...custom }).pod;
    // A second `kubectl apply` sets the manifest's command again and leaves the mount alone.
    const applied = updateOf(stored, c => ({ ...c, command: ["/app", "serve"] }));
    const outcome = admitUpdate(applied, stored, { ...ADMITTED, ...custom });
    expect(outcome.decision).toBe("restored");
    expect(patched(applied, outcome.patch)).toEqual(stored);
  });
});

describe("the mode of a review's namespace", () => {
  it("the route injects each pod with the settings of the namespace it is created in", async () => {
    const { app: server } = await testApp({
      settingsFor: namespace => (namespace === "team-iv" ? IMAGE_VOLUME : ADMITTED),
    });
    const modeIn = async (namespace: string): Promise<unknown> => {
      const pod = podWith([app("web")]);
      const response = await server.inject({
        method: "POST",
        url: "/mutate",
        payload: reviewOf(pod, { namespace }),
      });
      const { patch } = decodeAnswer(response.body);
      return statusMode(patched(pod, (patch ?? []) as never) as Pod);
    };
    expect(await modeIn("team-iv")).toBe("imageVolume");
    expect(await modeIn("apps")).toBe("initContainer");
    await server.close();
  });
});
