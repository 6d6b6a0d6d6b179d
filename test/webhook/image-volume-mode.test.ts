// The imageVolume mode: podinit mounted from its image, no init container, the same commands and guarantees.
import { describe, expect, it } from "vitest";
import { mutatePod } from "../../webhook/src/mutation/mutate-pod.js";
import { podQosClass } from "../../webhook/src/mutation/pod-qos.js";
import type { Container, Pod } from "../../webhook/src/mutation/pod-types.js";
import type { MutationSettings } from "../../webhook/src/mutation/settings.js";
import { admitUpdate, app, deepFreeze, patched, podWith, updateOf } from "./helpers/pods.js";
import { TEST_SETTINGS } from "../support/webhook/settings.js";

const IMAGE_VOLUME: MutationSettings = Object.freeze({
  ...TEST_SETTINGS,
  injectionMode: "imageVolume",
  initImagePullPolicy: "IfNotPresent",
});

const inject = (pod: Pod, settings = IMAGE_VOLUME) =>
  mutatePod(deepFreeze(pod), "apps", settings, undefined, undefined, "unknown");

const status = (pod: Pod): unknown =>
  JSON.parse(pod.metadata?.annotations?.["podinit.dev/status"] ?? "null");

const container = (pod: Pod, name: string): Container | undefined =>
  [...(pod.spec.initContainers ?? []), ...pod.spec.containers].find(c => c.name === name);

const guaranteed = {
  requests: { cpu: "250m", memory: "256Mi" },
  limits: { cpu: "250m", memory: "256Mi" },
};

describe("imageVolume mode", () => {
  it("adds the podinit image as a volume and wraps each container with the same command as initContainer mode", () => {
    const pod = podWith([app("web", { resources: guaranteed })], {
      spec: {
        initContainers: [
          app("proxy", { restartPolicy: "Always", command: ["/proxy"], resources: guaranteed }),
        ],
      },
    });
    const result = inject(pod);
    const copied = mutatePod(deepFreeze(pod), "apps", TEST_SETTINGS);
    expect(result.pod.spec.volumes).toEqual([
      {
        name: "podinit",
        image: { reference: TEST_SETTINGS.initImage, pullPolicy: "IfNotPresent" },
      },
    ]);
    expect(result.pod.spec.initContainers?.map(c => c.name)).toEqual(["proxy"]);
    for (const name of ["web", "proxy"]) {
      expect(container(result.pod, name)?.command).toEqual(container(copied.pod, name)?.command);
      expect(container(result.pod, name)?.volumeMounts).toEqual([
        { name: "podinit", mountPath: "/.podinit", readOnly: true },
      ]);
    }
    expect(status(result.pod)).toMatchObject({
      decision: "injected",
      mode: "imageVolume",
      qos: "Guaranteed",
    });
    expect(podQosClass(result.pod)).toBe("Guaranteed");
  });

  it("needs no LimitRange knowledge: nothing it adds has resources", () => {
    expect(inject(podWith([app()])).decision).toBe("injected");
  });

  it("finds the binary where the image keeps it", () => {
    const result = inject(podWith([app()]), { ...IMAGE_VOLUME, binaryPathInImage: "/bin/podinit" });
    expect(container(result.pod, "app")?.command?.[0]).toBe("/.podinit/bin/podinit");
  });

  it("gives the patch that turns the pod into the mutated one, under a free volume name", () => {
    const pod = podWith([app()], { spec: { volumes: [{ name: "podinit", emptyDir: {} }] } });
    const result = inject(pod);
    expect(patched(pod, result.patch)).toEqual(result.pod);
    expect(result.pod.spec.volumes?.[1]?.name).toBe("podinit-1");
  });

  it("on reinvocation wraps a container added since, with the same volume, and nothing twice", () => {
    const first = inject(podWith([app("web")])).pod;
    const added = {
      ...first,
      spec: { ...first.spec, containers: [...first.spec.containers, app("shipper")] },
    };
    const again = inject(added);
    expect(again.decision).toBe("reinvoked");
    expect(again.wrapped).toEqual(["shipper"]);
    expect(again.pod.spec.volumes).toHaveLength(1);
    expect(status(again.pod)).toMatchObject({ wrapped: ["web", "shipper"], mode: "imageVolume" });
    expect(inject(again.pod).patch).toEqual([]);
  });

  it.each([
    ["by this release", IMAGE_VOLUME],
    [
      "by an earlier release (another init image tag)",
      { ...IMAGE_VOLUME, initImage: "podinit/podinit:0.0.9" },
    ],
  ])(
    "on UPDATE puts back the wrapped commands a second apply sets to the original (injected %s)",
    (_, injectedWith) => {
      const stored = inject(
        podWith([app("web", { command: ["/app", "serve"] })]),
        injectedWith,
      ).pod;
      const applied = updateOf(stored, c => ({ ...c, command: ["/app", "serve"] }));
      const outcome = admitUpdate(applied, stored, IMAGE_VOLUME);
      expect(outcome.decision).toBe("restored");
      expect(patched(applied, outcome.patch)).toEqual(stored);
    },
  );
});
