// The started webhook over HTTPS with a real docker-registry: containers without command wrapped from the image, failures admitted unwrapped.

import { applyPatch, deepClone, type Operation } from "fast-json-patch";
import { Agent } from "node:https";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pullSecretAccess } from "../../webhook/src/registry/pull-secret-access.js";
import { startCountingProxy, type CountingProxy } from "../support/registry/counting-proxy.js";
import { expandAll } from "../support/registry/kubelet-expansion.js";
import { freePort } from "../support/registry/registry-process.js";
import {
  IMAGES,
  startTestRegistries,
  type TestRegistries,
} from "../support/registry/test-registries.js";
import { decodeAnswer, reviewOf } from "../support/webhook/app.js";
import { call } from "../support/webhook/https-call.js";
import { makeTestPki, type TestPki } from "../support/webhook/pki.js";
import { startWebhook, type WebhookProcess } from "../support/webhook/webhook-process.js";

interface Container {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
}
interface PodDoc {
  metadata: { name: string; annotations?: Record<string, string> };
  spec: { containers: Container[]; initContainers?: Container[]; imagePullSecrets?: unknown };
}

/** What the kubelet would expand `$(VAR)` with in these tests. */
const ENV = { HOME: "/root", PORT: "8080" };

let pki: TestPki;
let registries: TestRegistries;
let proxy: CountingProxy;
let slow: CountingProxy;
let downHost: string;
const running: WebhookProcess[] = [];

function start(extra: string[] = [], env: Record<string, string> = {}): WebhookProcess {
  const webhook = startWebhook(
    [
      ...["--port", "0", "--host", "127.0.0.1", "--shutdown-delay", "0s"],
      ...["--tls-cert", join(pki.dir, "tls.crt"), "--tls-key", join(pki.dir, "tls.key")],
      ...extra,
    ],
    { PODINIT_INIT_IMAGE: "podinit/podinit:0.1.0-test", ...env },
  );
  running.push(webhook);
  return webhook;
}

let webhook: WebhookProcess;
let port: number;
let agent: Agent;

beforeAll(async () => {
  pki = makeTestPki();
  pki.issue(join(pki.dir, "tls.crt"), join(pki.dir, "tls.key"), 1);
  registries = await startTestRegistries();
  proxy = await startCountingProxy(registries.open.host);
  slow = await startCountingProxy(registries.open.host);
  slow.setFault(r => r.path.includes("/manifests/"), { kind: "hang" });
  downHost = `127.0.0.1:${await freePort()}`;
  webhook = start(["--registry-insecure", "127.0.0.1", "--lookup-timeout", "1500ms"]);
  port = (await webhook.waitForLog("listening"))["port"] as number;
  agent = new Agent({ ca: pki.caPem, keepAlive: true });
});

afterAll(async () => {
  agent?.destroy();
  for (const w of running) if (w.child.exitCode === null) w.child.kill("SIGKILL");
  await Promise.all(running.map(w => w.exited));
  await slow?.stop();
  await proxy?.stop();
  await registries?.stop();
});

async function get(path: string): Promise<string> {
  return (await call(port, agent, "GET", path)).body;
}

interface Admitted {
  pod: PodDoc;
  warnings: string[];
  status: Record<string, unknown>;
}

async function admit(pod: PodDoc): Promise<Admitted> {
  const { answer, patch } = decodeAnswer(
    (await call(port, agent, "POST", "/mutate", JSON.stringify(reviewOf(pod)))).body,
  );
  expect(answer.response.allowed).toBe(true);
  const patched = applyPatch(deepClone(pod), (patch ?? []) as Operation[]).newDocument as PodDoc;
  const status = JSON.parse(patched.metadata.annotations?.["podinit.dev/status"] ?? "{}") as Record<
    string,
    unknown
  >;
  return { pod: patched, warnings: answer.response.warnings ?? [], status };
}

function pod(containers: Container[], annotations?: Record<string, string>): PodDoc {
  return {
    metadata: annotations === undefined ? { name: "p" } : { name: "p", annotations },
    spec: { containers },
  };
}

/** The argv the runtime gets: the kubelet expands command and args, then the image fills the gaps. */
function kubeletArgv(c: Container, image: { entrypoint: string[]; cmd: string[] }): string[] {
  const command = expandAll(c.command, ENV);
  const args = expandAll(c.args, ENV);
  const program = command.length > 0 ? command : image.entrypoint;
  const rest = args.length > 0 ? args : command.length > 0 ? [] : image.cmd;
  return [...program, ...rest];
}

/** What podinit execs: everything after its `--`. */
function afterPodinit(argv: string[]): string[] {
  expect(argv[0]).toBe("/.podinit/podinit");
  return argv.slice(argv.indexOf("--") + 1);
}

const ENTRY_AND_CMD = { entrypoint: ["/bin/app", "--home=$(HOME)"], cmd: ["serve", "$1"] };
const ENTRY_ONLY = { entrypoint: ["/docker-entrypoint.sh"], cmd: [] };
/** A wrapped container sets command, so its image no longer matters. */
const NO_IMAGE = { entrypoint: [], cmd: [] };

function metricValue(text: string, line: string): number {
  const found = text.split("\n").find(l => l.startsWith(line + " "));
  return found === undefined ? 0 : Number(found.slice(line.length + 1));
}

describe("containers without command, through the started webhook", () => {
  it("the test images say what these tests expect", () => {
    // Guards the expectations below against a change of the shared test images.
    const config = JSON.parse(IMAGES.entryAndCmd.config.bytes.toString()) as { config: unknown };
    expect(config.config).toMatchObject({
      Entrypoint: ENTRY_AND_CMD.entrypoint,
      Cmd: ENTRY_AND_CMD.cmd,
    });
  });

  it("wraps them, running exactly the image's ENTRYPOINT and CMD as the runtime would", async () => {
    const original = pod([
      { name: "app", image: `${proxy.host}/apps/entry-and-cmd:1` },
      { name: "args-only", image: `${proxy.host}/apps/entry-only:1`, args: ["--port=$(PORT)"] },
      { name: "entry-args", image: `${proxy.host}/apps/entry-and-cmd:1`, args: ["x$$y"] },
    ]);
    const { pod: patched, status, warnings } = await admit(original);
    expect(status).toMatchObject({
      decision: "injected",
      wrapped: ["app", "args-only", "entry-args"],
    });
    expect(warnings).toEqual([]);
    const images = [ENTRY_AND_CMD, ENTRY_ONLY, ENTRY_AND_CMD];
    patched.spec.containers.forEach((c, i) => {
      const before = original.spec.containers[i] as Container;
      const image = images[i] as typeof ENTRY_AND_CMD;
      const wrapped = kubeletArgv(c, NO_IMAGE);
      expect(afterPodinit(wrapped)).toEqual(kubeletArgv(before, image));
    });
    // `$(HOME)` and `$1` from the image run verbatim.
    expect(afterPodinit(kubeletArgv(patched.spec.containers[0] as Container, NO_IMAGE))).toEqual([
      "/bin/app",
      "--home=$(HOME)",
      "serve",
      "$1",
    ]);
  });

  it("leaves a container unwrapped with image-lookup-failed, a warning and metrics when the image is missing or the registry down", async () => {
    const original = pod([
      { name: "missing", image: `${proxy.host}/apps/no-such-image:1` },
      { name: "down", image: `${downHost}/apps/entry-and-cmd:1` },
      { name: "with-command", image: "example/app:1", command: ["/app"] },
    ]);
    const { pod: patched, status, warnings } = await admit(original);
    expect(status).toMatchObject({
      decision: "injected",
      wrapped: ["with-command"],
      skipped: { missing: "image-lookup-failed", down: "image-lookup-failed" },
    });
    expect(patched.spec.containers[0]).toEqual(original.spec.containers[0]);
    expect(patched.spec.containers[1]).toEqual(original.spec.containers[1]);
    expect(warnings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/container missing: .*ERR_IMAGE_NOT_FOUND/),
        expect.stringMatching(/container down: .*ERR_REGISTRY_UNREACHABLE/),
      ]),
    );
    // The warning hides why the registry could not be reached; the operator's log says.
    expect(warnings.find(w => w.includes("container down:"))).not.toMatch(/ECONNREFUSED/);
    const logged = await webhook.waitForLog("image lookup failed");
    expect(logged).toMatchObject({
      component: "registry",
      registry: downHost,
      code: "ERR_REGISTRY_UNREACHABLE",
    });
    expect(logged["detail"]).toMatch(/ECONNREFUSED/);
    const metrics = await get("/metrics");
    expect(
      metricValue(
        metrics,
        `podinit_webhook_image_lookups_total{outcome="failed",registry="${downHost}"}`,
      ),
    ).toBe(1);
    expect(
      metricValue(
        metrics,
        `podinit_webhook_image_lookup_failures_total{code="ERR_IMAGE_NOT_FOUND"}`,
      ),
    ).toBeGreaterThanOrEqual(1);
    expect(
      metricValue(
        metrics,
        `podinit_webhook_containers_skipped_total{reason="image-lookup-failed"}`,
      ),
    ).toBeGreaterThanOrEqual(2);
    // Once a minute per registry and reason, however many containers name it.
    await admit(
      pod([
        { name: "down-1", image: `${downHost}/apps/one:1` },
        { name: "down-2", image: `${downHost}/apps/two:1` },
      ]),
    );
    await sleep(400); // the log is written in batches, at least every 250 ms
    expect(
      webhook.logs.filter(l => l["msg"] === "image lookup failed" && l["registry"] === downHost),
    ).toHaveLength(1);
  });

  it("admits the pod unwrapped within the lookup budget when the registry hangs", async () => {
    const { status, warnings } = await admit(
      pod([{ name: "app", image: `${slow.host}/apps/entry-and-cmd:1` }]),
    );
    expect(status).toMatchObject({
      decision: "skipped",
      reason: "no-eligible-containers",
      skipped: { app: "image-lookup-failed" },
    });
    expect(warnings.join("\n")).toMatch(/ERR_LOOKUP_TIMEOUT/);
    expect(slow.pending()).toBeGreaterThan(0);
  });

  it("takes podinit.dev/entrypoint.<container> over the registry, without asking it and without an unknown-annotation warning", async () => {
    proxy.reset();
    const { pod: patched, warnings } = await admit(
      pod([{ name: "app", image: `${proxy.host}/apps/entry-and-cmd:1` }], {
        "podinit.dev/entrypoint.app":
          '{"entrypoint": ["/from/annotation", "$(HOME)"], "cmd": ["run"]}',
      }),
    );
    expect(proxy.seen).toEqual([]);
    expect(warnings).toEqual([]);
    expect(afterPodinit(kubeletArgv(patched.spec.containers[0] as Container, NO_IMAGE))).toEqual([
      "/from/annotation",
      "$(HOME)",
      "run",
    ]);
    const metrics = await get("/metrics");
    expect(
      metricValue(
        metrics,
        `podinit_webhook_image_lookups_total{outcome="annotation",registry="none"}`,
      ),
    ).toBeGreaterThanOrEqual(1);
  });

  it("looks up nothing for containers it will not wrap", async () => {
    proxy.reset();
    const { status, warnings } = await admit(
      pod(
        [
          { name: "app", image: "example/app:1", command: ["/app"] },
          { name: "istio-proxy", image: `${proxy.host}/apps/no-such-image:1` },
          { name: "excluded", image: `${proxy.host}/apps/no-such-image:1` },
        ],
        { "podinit.dev/exclude-containers": "excluded" },
      ),
    );
    expect(status).toMatchObject({
      wrapped: ["app"],
      skipped: { "istio-proxy": "injector-container", excluded: "excluded" },
    });
    expect(warnings).toEqual([]);
    expect(proxy.seen).toEqual([]);
  });

  it("warns that named pull secrets were not read outside a cluster, and still looks up anonymously", async () => {
    const original = pod([{ name: "app", image: `${proxy.host}/apps/entry-and-cmd:1` }]);
    original.spec.imagePullSecrets = [{ name: "regcred" }];
    const { status, warnings } = await admit(original);
    expect(status).toMatchObject({ decision: "injected", wrapped: ["app"] });
    expect(warnings).toEqual([
      "podinit: cannot read pull secret apps/regcred: not read, the webhook runs outside a cluster",
    ]);
    expect(webhook.logs.find(l => l["msg"] === "configuration notice")?.["notice"]).toMatch(
      /pull secrets cannot be read outside a cluster/,
    );
  });
});

describe("registry settings at start-up", () => {
  it("exits 2 naming each bad flag or variable", async () => {
    const bad = start(
      [
        "--registry-insecure",
        "no spaces allowed",
        "--platform",
        "linux",
        "--pull-secrets",
        "maybe",
      ],
      { PODINIT_LOOKUP_TIMEOUT: "40s", PODINIT_REGISTRY_MIRROR: "nonsense" },
    );
    expect(await bad.exited).toBe(2);
    const stderr = bad.stderr();
    for (const name of [
      "--registry-insecure: 'no spaces allowed'",
      "--platform: 'linux'",
      "--pull-secrets: 'maybe'",
      "PODINIT_LOOKUP_TIMEOUT: '40s'",
      "PODINIT_REGISTRY_MIRROR: 'nonsense'",
    ])
      expect(stderr).toContain(name);
  });

  it("exits 2 naming --registry-ca when its file cannot be read", async () => {
    const bad = start(["--registry-ca", join(pki.dir, "no-such-ca.pem")]);
    expect(await bad.exited).toBe(2);
    expect(bad.stderr()).toMatch(/--registry-ca: cannot read .*no-such-ca\.pem \(ENOENT\)/);
  });

  it("starts with --pull-secrets=false and no notice about pull secrets", async () => {
    const quiet = start(["--pull-secrets=false", "--registry-insecure", "127.0.0.1,[::1]:5000"]);
    const listening = await quiet.waitForLog("listening");
    expect(listening).toMatchObject({
      pullSecrets: "false",
      registryInsecure: "127.0.0.1,[::1]:5000",
    });
    const notices = quiet.logs.filter(l => l["msg"] === "configuration notice");
    // Outside a cluster only the watches have something to say.
    expect(notices.map(l => l["notice"])).toEqual([
      expect.stringMatching(/^outside a cluster .* nothing is watched/),
    ]);
    quiet.child.kill("SIGTERM");
    expect(await quiet.exited).toBe(0);
  });
});

describe("pullSecretAccess", () => {
  it("reads nothing when turned off", () => {
    expect(pullSecretAccess(false, { KUBERNETES_SERVICE_HOST: "10.0.0.1" })).toEqual({
      source: undefined,
      notice: null,
    });
  });

  it("uses the in-cluster API when KUBERNETES_SERVICE_HOST is set, without contacting it yet", () => {
    const access = pullSecretAccess(true, { KUBERNETES_SERVICE_HOST: "10.0.0.1" });
    expect(access.notice).toBeNull();
    expect(typeof access.source?.readSecret).toBe("function");
  });

  it("outside a cluster, reads no ServiceAccount and refuses secrets with a reason", async () => {
    const access = pullSecretAccess(true, {});
    expect(access.notice).toMatch(/outside a cluster/);
    await expect(access.source?.serviceAccountPullSecrets("apps", "default")).resolves.toEqual([]);
    await expect(access.source?.readSecret("apps", "regcred")).rejects.toThrow(/outside a cluster/);
  });
});
