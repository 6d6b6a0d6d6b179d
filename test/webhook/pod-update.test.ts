// Pod UPDATE reviews: re-applying an injected pod's manifest gets its wrapped commands back, and nothing else changes.
import { describe, expect, it } from "vitest";
import { mutatePod } from "../../webhook/src/mutation/mutate-pod.js";
import type { Container, Pod } from "../../webhook/src/mutation/pod-types.js";
import { admitUpdate, app, patched, podWith, updateOf } from "./helpers/pods.js";
import { TEST_SETTINGS } from "../support/webhook/settings.js";

const WEB = ["nginx", "-g", "daemon off;"];
const PROXY = ["/proxy", "--listen", ":15001"];

/** The manifest as a user keeps it in git, and the pod as podinit admitted it. */
const manifest = (): Pod =>
  podWith([app("web", { command: WEB }), app("side", { command: ["/side"] })], {
    spec: { initContainers: [app("proxy", { command: PROXY, restartPolicy: "Always" })] },
  });
const admitted = (): Pod => mutatePod(manifest(), "apps", TEST_SETTINGS).pod;

const original = new Map<string, readonly string[]>([
  ["web", WEB],
  ["proxy", PROXY],
  ["side", ["/side"]],
]);

describe("pod UPDATE", () => {
  it("puts back every wrapped command an apply of the manifest sets to the original", () => {
    const stored = admitted();
    const applied = updateOf(stored, c => {
      const command = original.get(c.name);
      return command === undefined ? c : { ...c, command };
    });
    const outcome = admitUpdate(applied, stored);
    expect(outcome.decision).toBe("restored");
    // The update, patched, changes no command of the stored pod: the API server accepts it.
    expect(patched(applied, outcome.patch)).toEqual(stored);
    expect(
      outcome.patch.every(op => /^\/spec\/(init)?[cC]ontainers\/\d+\/command/.test(op.path)),
    ).toBe(true);
  });

  it("puts back only the containers whose command is the one podinit replaced", () => {
    const stored = admitted();
    const applied = updateOf(stored, c => (c.name === "web" ? { ...c, command: WEB } : c));
    const outcome = admitUpdate(applied, stored);
    const result = patched(applied, outcome.patch) as Pod;
    expect(result.spec.containers.map(c => c.command)).toEqual(
      stored.spec.containers.map(c => c.command),
    );
  });

  it.each<[string, (c: Container) => Container]>([
    ["changes only an image", c => (c.name === "web" ? { ...c, image: "nginx:1.29" } : c)],
    [
      "changes a command to something new",
      c => (c.name === "web" ? { ...c, command: ["/other"] } : c),
    ],
    ["leaves the wrapped commands as they are", c => c],
  ])("leaves an update alone that %s", (_, edit) => {
    const stored = admitted();
    const outcome = admitUpdate(updateOf(stored, edit), stored);
    expect(outcome).toMatchObject({ decision: "ignored", patch: [] });
  });

  it("leaves updates of pods podinit did not inject alone", () => {
    const stored = manifest();
    const outcome = admitUpdate(
      updateOf(stored, c => ({ ...c, command: ["/x"] })),
      stored,
    );
    expect(outcome).toMatchObject({ decision: "ignored", patch: [] });
  });

  it("leaves an update alone whose old pod cannot be read", () => {
    expect(admitUpdate(admitted(), { spec: "nope" })).toMatchObject({
      decision: "ignored",
      patch: [],
    });
    expect(admitUpdate(admitted(), undefined)).toMatchObject({ decision: "ignored", patch: [] });
  });
});
