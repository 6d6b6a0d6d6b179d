// The command/args rule, exhaustively: the wrapped container runs exactly the argv the runtime would have run, `$` included.

import { describe, expect, it } from "vitest";
import { parseArgs } from "#options/options.js";
import { escapeForSpec, type ImageEntrypoint } from "../../webhook/src/mutation/entrypoint.js";
import { mutatePod } from "../../webhook/src/mutation/mutate-pod.js";
import type { Container, Pod } from "../../webhook/src/mutation/pod-types.js";
import { hasSomethingToRun, runtimeArgv } from "../../webhook/src/registry/runtime-argv.js";
import { TEST_SETTINGS } from "../support/webhook/settings.js";
import { expandAll, expandKubernetes } from "../support/registry/kubelet-expansion.js";

const ENV = { HOME: "/root", PORT: "8080", EMPTY: "" };

describe("the kubelet expansion oracle", () => {
  it.each([
    ["$(HOME)", "/root"],
    ["___$(PORT)___", "___8080___"],
    ["$$(HOME)", "$(HOME)"],
    ["$(NOT_SET)", "$(NOT_SET)"],
    ["$(HOME", "$(HOME"],
    ["$$", "$"],
    ["$$$$", "$$"],
    ["$", "$"],
    ["a$", "a$"],
    ["$1", "$1"],
    ["$$$(HOME)", "$/root"],
    ["f-$$HOME", "f-$HOME"],
    ["$()", "$()"],
    ["$(EMPTY)x", "x"],
    ["$(HOME)$(PORT)", "/root8080"],
  ])("%s → %s", (input, expected) => {
    expect(expandKubernetes(input, ENV)).toBe(expected);
  });
});

describe("$-escaping of image strings", () => {
  it("survives the expansion verbatim for every string of $, (, ), letters", () => {
    const alphabet = ["$", "(", ")", "H", "O", "M", "E", "1", " "];
    let seed = 7;
    const next = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let n = 0; n < 2000; n++) {
      const word = Array.from(
        { length: next() % 12 },
        () => alphabet[next() % alphabet.length],
      ).join("");
      expect(
        expandKubernetes(escapeForSpec([word])[0] ?? "", { HOME: "/root", H: "h", "": "e" }),
      ).toBe(word);
    }
  });
});

const VARIANTS: Record<"command" | "args", (readonly string[] | undefined)[]> = {
  command: [undefined, [], ["/pod/cmd", "$(HOME)", "$$HOME", "$1"]],
  args: [undefined, [], ["--port=$(PORT)", "$$1", "plain"]],
};
const IMAGES: ImageEntrypoint[] = [
  { entrypoint: [], cmd: [] },
  { entrypoint: ["/bin/app", "$(HOME)", "$1", "$$"], cmd: [] },
  { entrypoint: [], cmd: ["serve", "$(PORT)", "a$"] },
  { entrypoint: ["/bin/app", "$(HOME)"], cmd: ["serve", "$(PORT)", "$$"] },
];

function container(
  command: readonly string[] | undefined,
  args: readonly string[] | undefined,
): Container {
  const c: Record<string, unknown> = { name: "app", image: "registry.test/app:1" };
  if (command !== undefined) c["command"] = command;
  if (args !== undefined) c["args"] = args;
  return c as Container;
}

/** What the kubelet hands the runtime: the pod's strings expanded, the image's taken verbatim. */
function whatRuntimeRuns(c: Container, image: ImageEntrypoint): string[] {
  return [
    ...runtimeArgv({ command: expandAll(c.command, ENV), args: expandAll(c.args, ENV) }, image),
  ];
}

describe("command/args combinations through the webhook's mutation", () => {
  const cases = VARIANTS.command.flatMap(command =>
    VARIANTS.args.flatMap(args => IMAGES.map(image => ({ command, args, image }))),
  );

  it.each(cases)("command $command, args $args, image $image", ({ command, args, image }) => {
    const original = container(command, args);
    const expected = whatRuntimeRuns(original, image);
    if (!hasSomethingToRun(original, image)) {
      // The runtime would refuse to start it; the resolver reports ERR_NOTHING_TO_RUN instead.
      expect(expected).toEqual([]);
      return;
    }
    const pod: Pod = { metadata: { name: "p" }, spec: { containers: [original] } };
    const result = mutatePod(pod, "apps", TEST_SETTINGS, new Map([["app", image]]));
    expect(result.wrapped).toEqual(["app"]);
    const wrapped = result.pod.spec.containers[0];
    if (wrapped === undefined) throw new Error("container vanished");
    // The wrapped container sets command, so the kubelet ignores the image: argv = command ++ args.
    const argv = [...expandAll(wrapped.command, ENV), ...expandAll(wrapped.args, ENV)];
    const separator = argv.indexOf("--");
    expect(argv[0]).toBe(`${TEST_SETTINGS.mountPath}/podinit`);
    const parsed = parseArgs(argv.slice(1));
    expect(
      parsed.ok && parsed.invocation.action === "run" ? parsed.invocation.command : null,
    ).toEqual(expected);
    expect(argv.slice(separator + 1)).toEqual(expected);
  });

  it("covers every combination of set, empty and absent", () => {
    expect(cases).toHaveLength(3 * 3 * 4);
  });
});

describe("runtimeArgv", () => {
  it("command replaces ENTRYPOINT and CMD; args replace only CMD; empty lists count as unset", () => {
    const image = { entrypoint: ["E"], cmd: ["C"] };
    expect(runtimeArgv({}, image)).toEqual(["E", "C"]);
    expect(runtimeArgv({ args: ["A"] }, image)).toEqual(["E", "A"]);
    expect(runtimeArgv({ command: ["X"] }, image)).toEqual(["X"]);
    expect(runtimeArgv({ command: ["X"], args: ["A"] }, image)).toEqual(["X", "A"]);
    expect(runtimeArgv({ command: [], args: [] }, image)).toEqual(["E", "C"]);
    expect(runtimeArgv({ args: ["A"] }, { entrypoint: [], cmd: ["C"] })).toEqual(["A"]);
  });
});
