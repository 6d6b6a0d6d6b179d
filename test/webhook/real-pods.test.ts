// 148 pods rendered from public charts, as the API server hands them over: injection keeps each startable and its QoS class.
//
// test/fixtures/real-pods/SOURCES.md says where each pod comes from. Every container the webhook
// would look up in a registry is given an ENTRYPOINT here, so that all of them get wrapped and
// the installer meets every shape of pod these charts produce.
import { readdirSync, readFileSync } from "node:fs";
import { deepClone } from "fast-json-patch";
import { Pod as PodModel } from "kubernetes-models/v1/Pod";
import { describe, expect, it } from "vitest";
import { installerUid, patched } from "./helpers/pods.js";
import type { ImageEntrypoint } from "../../webhook/src/mutation/entrypoint.js";
import { mutatePrepared } from "../../webhook/src/mutation/mutate-pod.js";
import { containersNeedingLookup, preparePod } from "../../webhook/src/mutation/prepared-pod.js";
import { podQosClass } from "../../webhook/src/mutation/pod-qos.js";
import type { Pod } from "../../webhook/src/mutation/pod-types.js";
import { readPod } from "../../webhook/src/mutation/read-pod.js";
import { type MutationSettings } from "../../webhook/src/mutation/settings.js";
import { restrictedViolations } from "./helpers/psa-restricted.js";
import { TEST_SETTINGS } from "../support/webhook/settings.js";

const DIR = new URL("../fixtures/real-pods/", import.meta.url);
const NAMES = readdirSync(DIR)
  .filter(name => name.endsWith(".json"))
  .map(name => name.slice(0, -".json".length))
  .sort();

const IMAGE: ImageEntrypoint = { entrypoint: ["/docker-entrypoint.sh"], cmd: ["run"] };

function load(name: string): { raw: unknown; pod: Pod } {
  const raw: unknown = JSON.parse(readFileSync(new URL(`${name}.json`, DIR), "utf8"));
  const pod = readPod(deepClone(raw));
  if (pod === null) throw new Error(`${name} is not shaped like a pod`);
  return { raw, pod };
}

function inject(pod: Pod, settings: MutationSettings = TEST_SETTINGS) {
  const namespace = pod.metadata?.namespace ?? "apps";
  const prepared = preparePod(pod, namespace, settings);
  const lookups = containersNeedingLookup(prepared, settings);
  const resolved = new Map([...lookups].map(name => [name, IMAGE]));
  return mutatePrepared(prepared, settings, resolved);
}

const IMAGE_VOLUME: MutationSettings = { ...TEST_SETTINGS, injectionMode: "imageVolume" };

const RESULTS = new Map(
  NAMES.map(name => {
    const { raw, pod } = load(name);
    return [name, { raw, pod, result: inject(pod) }] as const;
  }),
);
const get = (name: string) => {
  const found = RESULTS.get(name);
  if (found === undefined) throw new Error(`no pod ${name}`);
  return found;
};
const INJECTED = NAMES.filter(name => get(name).result.decision === "injected");
const RESTRICTED = NAMES.filter(name => restrictedViolations(get(name).raw).length === 0);

describe("real pods from public charts", () => {
  it("are 148, and nearly all of them get injected, of every QoS class and some as root", () => {
    expect(NAMES).toHaveLength(148);
    expect(INJECTED.length).toBeGreaterThan(130);
    const classes = new Set(INJECTED.map(name => podQosClass(get(name).pod)));
    expect([...classes].sort()).toEqual(["BestEffort", "Burstable", "Guaranteed"]);
    const root = INJECTED.filter(name => get(name).pod.spec.securityContext?.runAsUser === 0);
    expect(root.length).toBeGreaterThan(0);
    expect(RESTRICTED.filter(name => INJECTED.includes(name)).length).toBeGreaterThan(10);
  });

  it.each(INJECTED)("%s: the patch gives exactly the mutated pod, a valid Pod", name => {
    const { raw, result } = get(name);
    expect(patched(raw, result.patch)).toEqual(result.pod);
    expect(() => new PodModel(deepClone(result.pod) as never).validate()).not.toThrow();
  });

  it.each(INJECTED)("%s: the QoS class stays, and the installer never runs as root", name => {
    const { pod, result } = get(name);
    expect(podQosClass(result.pod)).toBe(podQosClass(pod));
    expect(installerUid(result.pod)).not.toBe(0);
  });

  it.each(RESTRICTED)("%s: a pod that passed PSA restricted still passes, in both modes", name => {
    expect(restrictedViolations(get(name).result.pod)).toEqual([]);
    expect(restrictedViolations(inject(get(name).pod, IMAGE_VOLUME).pod)).toEqual([]);
  });

  it.each(INJECTED)(
    "%s in imageVolume mode: exact valid patch, same commands, QoS kept, no init container",
    name => {
      const { raw, pod, result } = get(name);
      const mounted = inject(pod, IMAGE_VOLUME);
      expect(patched(raw, mounted.patch)).toEqual(mounted.pod);
      expect(() => new PodModel(deepClone(mounted.pod) as never).validate()).not.toThrow();
      expect(mounted.pod.spec.containers.map(c => c.command)).toEqual(
        result.pod.spec.containers.map(c => c.command),
      );
      expect(mounted.pod.spec.initContainers?.length).toBe(pod.spec.initContainers?.length);
      expect(podQosClass(mounted.pod)).toBe(podQosClass(pod));
    },
  );
});
