// The webhook seam end to end: pod in, ENTRYPOINT/CMD per container out, then the mutation runs exactly what the runtime would have.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mutatePod } from "../../webhook/src/mutation/mutate-pod.js";
import type { Container } from "../../webhook/src/mutation/pod-types.js";
import {
  createEntrypointResolver,
  type LookupEvent,
} from "../../webhook/src/registry/entrypoint-resolver.js";
import { runtimeArgv } from "../../webhook/src/registry/runtime-argv.js";
import { TEST_SETTINGS } from "../support/webhook/settings.js";
import { startCountingProxy, type CountingProxy } from "../support/registry/counting-proxy.js";
import {
  resolverSettings as settings,
  testPod as pod,
  testResolver as resolver,
} from "./lookup-fixtures.js";
import { dockerConfigSecret, fakePullSecrets } from "./fake-pull-secrets.js";
import { expandAll } from "../support/registry/kubelet-expansion.js";
import {
  PASSWORD,
  USER,
  startTestRegistries,
  type TestRegistries,
} from "../support/registry/test-registries.js";

let registries: TestRegistries;
let slow: CountingProxy;
beforeAll(async () => {
  registries = await startTestRegistries({ basic: true });
  slow = await startCountingProxy(registries.open.host);
  slow.setFault(r => r.path.includes("/manifests/"), { kind: "hang" });
});
afterAll(async () => {
  await slow?.stop();
  await registries?.stop();
});

const ENV = { HOME: "/root", PORT: "8080" };

describe("createEntrypointResolver", () => {
  it("resolves containers without command, skips those with one, and the mutation then runs the image's argv", async () => {
    const host = registries.open.host;
    const containers: Container[] = [
      { name: "both", image: `${host}/apps/entry-and-cmd:1` },
      { name: "args", image: `${host}/apps/entry-and-cmd:1`, args: ["worker", "$(PORT)"] },
      { name: "cmd-only", image: `${host}/apps/cmd-only:1` },
      { name: "explicit", image: `${host}/apps/entry-only:1`, command: ["/x"] },
    ];
    const events: LookupEvent[] = [];
    const r = await resolver({}, { onLookup: e => events.push(e) });
    const resolution = await r.resolve(pod(containers), "apps");
    expect([...resolution.resolved.keys()].sort()).toEqual(["args", "both", "cmd-only"]);
    expect(resolution.failures.size).toBe(0);
    expect(resolution.warnings).toEqual([]);
    expect(events.map(e => e.outcome)).toEqual(["resolved", "resolved", "resolved"]);

    const mutated = mutatePod(pod(containers), "apps", TEST_SETTINGS, resolution.resolved);
    expect([...mutated.wrapped].sort()).toEqual(["args", "both", "cmd-only", "explicit"]);
    for (const original of containers) {
      const image = resolution.resolved.get(original.name) ?? { entrypoint: [], cmd: [] };
      const expected = runtimeArgv(
        { command: expandAll(original.command, ENV), args: expandAll(original.args, ENV) },
        image,
      );
      const wrapped = mutated.pod.spec.containers.find(c => c.name === original.name);
      const argv = [...expandAll(wrapped?.command, ENV), ...expandAll(wrapped?.args, ENV)];
      expect(argv.slice(argv.indexOf("--") + 1)).toEqual(expected);
    }
    const both = mutated.pod.spec.containers.find(c => c.name === "both");
    // The ENTRYPOINT's `$(HOME)` and CMD's `$1` reach the process verbatim.
    expect(expandAll(both?.command, ENV).slice(-2)).toEqual(["/bin/app", "--home=$(HOME)"]);
    expect(expandAll(both?.args, ENV)).toEqual(["serve", "$1"]);
  });

  it("reads a registry host in any case as the one the settings name: LOCALHOST is the insecure localhost", async () => {
    const port = registries.open.host.split(":")[1] ?? "";
    const containers = [{ name: "app", image: `LocalHost:${port}/apps/entry-only:1` }];
    const resolution = await (
      await resolver({ "registry-insecure": "localhost" })
    ).resolve(pod(containers), "apps");
    expect(resolution.failures).toEqual(new Map());
    expect(resolution.resolved.get("app")?.entrypoint).toEqual(["/docker-entrypoint.sh"]);
  });

  it("lets podinit.dev/entrypoint.<container> win without asking the registry", async () => {
    const proxy = await startCountingProxy(registries.open.host);
    try {
      const containers = [{ name: "web", image: `${proxy.host}/apps/entry-only:1` }];
      const annotations = {
        "podinit.dev/entrypoint.web": '{"entrypoint": ["/custom"], "cmd": ["go"]}',
      };
      const resolution = await (await resolver()).resolve(pod(containers, {}, annotations), "apps");
      expect(resolution.resolved.get("web")).toEqual({ entrypoint: ["/custom"], cmd: ["go"] });
      expect(proxy.seen).toEqual([]);
    } finally {
      await proxy.stop();
    }
  });

  it("uses the pod's and its ServiceAccount's pull secrets, only for their registry", async () => {
    const basic = registries.basic?.host ?? "";
    const secrets = fakePullSecrets(
      {
        "apps/regcred": dockerConfigSecret(basic, USER, PASSWORD),
        "apps/unrelated": dockerConfigSecret("elsewhere.test", USER, "x"),
      },
      { "apps/builder": ["regcred"] },
    );
    const r = await resolver({}, { pullSecrets: secrets });
    const containers = [{ name: "app", image: `${basic}/private/app:1` }];
    const viaAccount = await r.resolve(
      pod(containers, { serviceAccountName: "builder", imagePullSecrets: [{ name: "unrelated" }] }),
      "apps",
    );
    expect(viaAccount.resolved.get("app")).toEqual({
      entrypoint: ["/bin/app", "--home=$(HOME)"],
      cmd: ["serve", "$1"],
    });
    expect(secrets.reads).toEqual([
      "serviceaccount apps/builder",
      "secret apps/unrelated",
      "secret apps/regcred",
    ]);
    const withoutSecret = await r.resolve(pod(containers), "apps");
    expect(withoutSecret.failures.get("app")).toMatchObject({ code: "ERR_REGISTRY_UNAUTHORIZED" });
  });

  it("reads no secret with --pull-secrets=false", async () => {
    const secrets = fakePullSecrets({});
    const r = await resolver({ "pull-secrets": "false" }, { pullSecrets: secrets });
    const basic = registries.basic?.host ?? "";
    const result = await r.resolve(
      pod([{ name: "app", image: `${basic}/private/app:1` }], {
        imagePullSecrets: [{ name: "regcred" }],
      }),
      "apps",
    );
    expect(result.failures.get("app")).toMatchObject({ code: "ERR_REGISTRY_UNAUTHORIZED" });
    expect(secrets.reads).toEqual([]);
  });

  it("turns an unreadable secret into a warning without its content and goes on", async () => {
    const secrets = fakePullSecrets({}, {}, new Set(["apps/locked"]));
    const r = await resolver({}, { pullSecrets: secrets });
    const result = await r.resolve(
      pod([{ name: "app", image: `${registries.open.host}/apps/entry-only:1` }], {
        imagePullSecrets: [{ name: "locked" }],
      }),
      "apps",
    );
    expect(result.resolved.has("app")).toBe(true);
    expect(result.warnings).toEqual([
      expect.stringMatching(
        /cannot read pull secret apps\/locked: forbidden \(does the webhook's RBAC/,
      ),
    ]);
  });

  it("reports failures per container with a code and a warning, never throwing", async () => {
    const host = registries.open.host;
    const containers: Container[] = [
      { name: "missing", image: `${host}/apps/none:1` },
      { name: "bad-ref", image: "Not A Reference" },
      { name: "no-image" },
      { name: "nothing", image: `${host}/apps/nothing:1` },
      { name: "nothing-but-args", image: `${host}/apps/nothing:1`, args: ["/bin/sh"] },
      { name: "bad-annotation", image: `${host}/apps/entry-only:1` },
    ];
    const annotations = { "podinit.dev/entrypoint.bad-annotation": "[" };
    const result = await (await resolver()).resolve(pod(containers, {}, annotations), "apps");
    expect(Object.fromEntries([...result.failures].map(([name, f]) => [name, f.code]))).toEqual({
      missing: "ERR_IMAGE_NOT_FOUND",
      "bad-ref": "ERR_REFERENCE_INVALID",
      "no-image": "ERR_REFERENCE_INVALID",
      nothing: "ERR_NOTHING_TO_RUN",
      "bad-annotation": "ERR_ENTRYPOINT_ANNOTATION_INVALID",
    });
    expect(result.resolved.has("nothing-but-args")).toBe(true);
    expect(result.warnings).toHaveLength(5);
    expect(
      result.warnings.every(w =>
        /^container [a-z-]+: no podinit, its image's entrypoint is unknown \(ERR_/.test(w),
      ),
    ).toBe(true);
  });

  it("keeps to the review's budget when the registry hangs, for all containers together", async () => {
    const r = await resolver({ "lookup-timeout": "300ms" });
    const containers = [
      { name: "a", image: `${slow.host}/apps/entry-only:1` },
      { name: "b", image: `${slow.host}/apps/cmd-only:1` },
      { name: "c", image: `${registries.open.host}/apps/entry-only:1` },
    ];
    const result = await r.resolve(pod(containers), "apps");
    expect(result.failures.get("a")).toMatchObject({ code: "ERR_LOOKUP_TIMEOUT" });
    expect(result.failures.get("b")).toMatchObject({ code: "ERR_LOOKUP_TIMEOUT" });
    expect(result.resolved.has("c")).toBe(true);
    expect(slow.pending()).toBeGreaterThanOrEqual(2);
  });

  it("narrows to the containers the mutation will wrap", async () => {
    const containers = [
      { name: "a", image: `${registries.open.host}/apps/entry-only:1` },
      { name: "b", image: `${registries.open.host}/apps/none:1` },
    ];
    const result = await (await resolver()).resolve(pod(containers), "apps", new Set(["a"]));
    expect([...result.resolved.keys()]).toEqual(["a"]);
    expect(result.failures.size).toBe(0);
  });

  it("reports an unreadable --registry-ca at creation", async () => {
    const created = await createEntrypointResolver(
      settings({ "registry-ca": "/nonexistent/ca.pem" }),
      {},
    );
    expect(created).toEqual({
      ok: false,
      message: "--registry-ca: cannot read /nonexistent/ca.pem (ENOENT)",
    });
  });
});
