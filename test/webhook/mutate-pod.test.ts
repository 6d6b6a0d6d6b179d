import { describe, expect, it } from "vitest";
import { parseArgs } from "#options/options.js";
import type { ImageEntrypoint } from "../../webhook/src/mutation/entrypoint.js";
import { mutatePod } from "../../webhook/src/mutation/mutate-pod.js";
import { podQosClass } from "../../webhook/src/mutation/pod-qos.js";
import { parseQuantity } from "../../webhook/src/mutation/quantity.js";
import type { Container, Pod } from "../../webhook/src/mutation/pod-types.js";
import { app, deepFreeze, podWith } from "./helpers/pods.js";
import { TEST_SETTINGS } from "../support/webhook/settings.js";

const BIN = "/.podinit/podinit";

function mutate(pod: Pod, resolved?: ReadonlyMap<string, ImageEntrypoint>) {
  return mutatePod(deepFreeze(pod), "apps", TEST_SETTINGS, resolved);
}

function containerOf(pod: Pod, name: string): Container {
  const found = [...(pod.spec.initContainers ?? []), ...pod.spec.containers].find(
    c => c.name === name,
  );
  if (found === undefined) throw new Error(`no container ${name}`);
  return found;
}

/** What podinit itself would parse from the rewritten command. */
function parsedCommand(container: Container) {
  const [binary, ...rest] = container.command ?? [];
  expect(binary).toBe(BIN);
  const parsed = parseArgs(rest);
  if (!parsed.ok || parsed.invocation.action !== "run")
    throw new Error("podinit would reject this command");
  return parsed.invocation;
}

function status(pod: Pod): unknown {
  return JSON.parse(pod.metadata?.annotations?.["podinit.dev/status"] ?? "null");
}

describe("command and args", () => {
  it("runs the original command under podinit and leaves args alone", () => {
    const result = mutate(
      podWith([app("web", { command: ["nginx", "-g", "daemon off;"], args: ["-c", "/etc/x"] })]),
    );
    const web = containerOf(result.pod, "web");
    expect(parsedCommand(web).command).toEqual(["nginx", "-g", "daemon off;"]);
    expect(web.args).toEqual(["-c", "/etc/x"]);
  });

  it("skips containers without a command when no image entrypoint is known", () => {
    const result = mutate(
      podWith([app("a", { command: undefined, args: ["--port=1"] }), app("b", { command: [] })]),
    );
    expect(result.skippedContainers).toEqual({ a: "no-command", b: "no-command" });
    expect(result.decision).toBe("skipped");
    expect(result.reason).toBe("no-eligible-containers");
  });

  it("with a resolved entrypoint and only args, keeps args and moves ENTRYPOINT into command", () => {
    const resolved = new Map([["a", { entrypoint: ["/docker-entrypoint.sh"], cmd: ["nginx"] }]]);
    const result = mutate(
      podWith([{ name: "a", image: "nginx", args: ["nginx-debug"] }]),
      resolved,
    );
    const a = containerOf(result.pod, "a");
    expect(parsedCommand(a).command).toEqual(["/docker-entrypoint.sh"]);
    expect(a.args).toEqual(["nginx-debug"]);
  });

  it("with a resolved entrypoint and neither set, puts CMD into args, escaping $ for Kubernetes", () => {
    const resolved = new Map([["a", { entrypoint: ["/run.sh"], cmd: ["--home=$(HOME)", "$$"] }]]);
    const result = mutate(podWith([{ name: "a", image: "x" }]), resolved);
    const a = containerOf(result.pod, "a");
    expect(parsedCommand(a).command).toEqual(["/run.sh"]);
    expect(a.args).toEqual(["--home=$$(HOME)", "$$$$"]);
  });

  it("mounts the volume read-only in wrapped containers only", () => {
    const result = mutate(podWith([app("web"), app("plain", { command: undefined })]));
    expect(containerOf(result.pod, "web").volumeMounts).toEqual([
      { name: "podinit", mountPath: "/.podinit", readOnly: true },
    ]);
    expect(containerOf(result.pod, "plain").volumeMounts).toBeUndefined();
  });
});

describe("install container and volume", () => {
  it("goes first among init containers, before native sidecars it serves", () => {
    const sidecar = app("proxy", { restartPolicy: "Always" });
    const result = mutate(
      podWith([app()], { spec: { initContainers: [app("migrate"), sidecar] } }),
    );
    const names = (result.pod.spec.initContainers ?? []).map(c => c.name);
    expect(names).toEqual(["podinit-install", "migrate", "proxy"]);
    expect(result.wrapped).toEqual(["proxy", "app"]);
    expect(result.skippedContainers).toEqual({ migrate: "init-container" });
  });

  it("copies the binary with podinit install and passes PSA restricted without a fixed UID", () => {
    const burstable = app("app", { resources: { requests: { cpu: "50m", memory: "64Mi" } } });
    const install = mutate(podWith([burstable])).pod.spec.initContainers?.[0];
    expect(install?.command).toEqual(["/podinit", "install", BIN]);
    expect(install?.image).toBe(TEST_SETTINGS.initImage);
    expect(install?.securityContext).toEqual({
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(install?.["resources"]).toEqual({
      requests: { cpu: "10m", memory: "16Mi" },
      limits: { cpu: "100m", memory: "32Mi" },
    });
  });

  it("adds an emptyDir with a sizeLimit under a name the pod does not use yet", () => {
    const volumes = [
      { name: "podinit", emptyDir: {} },
      { name: "podinit-1", secret: { secretName: "s" } },
    ];
    const result = mutate(podWith([app()], { spec: { volumes } }));
    expect(result.pod.spec.volumes?.at(-1)).toEqual({
      name: "podinit-2",
      emptyDir: { sizeLimit: "8Mi" },
    });
    expect(containerOf(result.pod, "app").volumeMounts?.[0]?.name).toBe("podinit-2");
  });

  it("never writes into the pod it was given", () => {
    const pod = deepFreeze(
      podWith([app()], { annotations: { a: "b" }, spec: { volumes: [], initContainers: [] } }),
    );
    expect(() => mutatePod(pod, "apps", TEST_SETTINGS)).not.toThrow();
  });
});

describe("the installer keeps the pod's QoS class and runs as non-root", () => {
  const sized = (cpu: string, memory: string, limits = { cpu, memory }) =>
    app("app", { resources: { requests: { cpu, memory }, limits } });
  const installerOf = (pod: Pod) => mutate(pod).pod.spec.initContainers?.[0];

  /** The pod's effective request, as the scheduler sums it: max(any init container, the sum). */
  function effectiveRequest(pod: Pod, name: string): bigint {
    const request = (c: Container) =>
      parseQuantity(
        String((c.resources?.requests as Record<string, string> | undefined)?.[name] ?? "0"),
      ) ?? 0n;
    const sum = pod.spec.containers.reduce((total, c) => total + request(c), 0n);
    return (pod.spec.initContainers ?? []).reduce(
      (most, c) => (request(c) > most ? request(c) : most),
      sum,
    );
  }

  it.each([
    ["BestEffort", podWith([app()])],
    ["Burstable", podWith([sized("50m", "64Mi", { cpu: "1", memory: "64Mi" })])],
    ["Burstable", podWith([app("app", { resources: { requests: { cpu: "5m" } } })])],
    ["Guaranteed", podWith([sized("250m", "256Mi")])],
    [
      "Guaranteed",
      podWith([sized("20m", "8Mi"), sized("5m", "4Mi")].map((c, i) => ({ ...c, name: `c${i}` }))),
    ],
  ] as const)("a %s pod stays %s, and its effective request does not grow", (qos, pod) => {
    const result = mutate(pod);
    expect(podQosClass(pod)).toBe(qos);
    expect(podQosClass(result.pod)).toBe(qos);
    for (const name of ["cpu", "memory"])
      expect(effectiveRequest(result.pod, name)).toBe(effectiveRequest(pod, name));
    expect(
      JSON.parse(result.pod.metadata?.annotations?.["podinit.dev/status"] ?? "{}"),
    ).toMatchObject({ qos });
  });

  it("sizes the installer of a Guaranteed pod at its limits, capped by what the pod asks", () => {
    expect(installerOf(podWith([sized("250m", "256Mi")]))?.resources).toEqual({
      requests: { cpu: "100m", memory: "32Mi" },
      limits: { cpu: "100m", memory: "32Mi" },
    });
    const small = podWith([sized("20m", "20M")]);
    expect(installerOf(small)?.resources).toEqual({
      requests: { cpu: "20m", memory: "20000000" },
      limits: { cpu: "20m", memory: "20000000" },
    });
  });

  it("never asks more than a Burstable pod's containers, nor sets what they leave unset", () => {
    const small = app("app", { resources: { requests: { cpu: "5m" }, limits: { cpu: "50m" } } });
    expect(installerOf(podWith([small]))?.resources).toEqual({
      requests: { cpu: "5m" },
      limits: { cpu: "50m" },
    });
  });

  it("counts native sidecars with the containers when capping a Guaranteed installer", () => {
    const sidecar = { ...sized("30m", "8Mi"), name: "proxy", restartPolicy: "Always" };
    const pod = podWith([sized("20m", "8Mi")], { spec: { initContainers: [sidecar] } });
    expect(installerOf(pod)?.resources).toEqual({
      requests: { cpu: "50m", memory: "16Mi" },
      limits: { cpu: "50m", memory: "16Mi" },
    });
    expect(podQosClass(mutate(pod).pod)).toBe("Guaranteed");
  });

  it("gives the installer limits in a pod with pod-level requests whose containers all set limits", () => {
    // Kubernetes 1.37 fills in pod-level limits from the containers' only when every container
    // has one: without the installer's, this Guaranteed pod would turn Burstable.
    const resources = { requests: { cpu: "1", memory: "1Gi" } };
    const limited = app("app", {
      resources: { requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "1", memory: "1Gi" } },
    });
    expect(installerOf(podWith([limited], { spec: { resources } }))?.resources).toEqual({
      requests: { cpu: "10m", memory: "16Mi" },
      limits: { cpu: "100m", memory: "32Mi" },
    });
  });

  it("gives the installer no resources when pod-level resources share the pod's budget", () => {
    const resources = {
      requests: { cpu: "50m", memory: "64Mi" },
      limits: { cpu: "50m", memory: "64Mi" },
    };
    const pod = podWith([app()], { spec: { resources } });
    expect(installerOf(pod)?.resources).toBeUndefined();
    expect(podQosClass(mutate(pod).pod)).toBe("Guaranteed");
  });

  it.each([
    ["negative", { requests: { cpu: "-1", memory: "-5Mi" }, limits: { cpu: "-1" } }],
    ["huge", { requests: { cpu: "1e999", memory: "9Ei" }, limits: { cpu: "1e999" } }],
    ["not strings", { requests: { cpu: 5, memory: { value: 1 } }, limits: [] }],
  ])(
    "injects a pod whose resources are %s, with an installer of well-formed quantities",
    (_, resources) => {
      const result = mutate(podWith([app("app", { resources })]));
      expect(result.decision).toBe("injected");
      const installer = installerOf(result.pod)?.resources;
      const quantities = [
        ...Object.values((installer?.requests ?? {}) as Record<string, unknown>),
        ...Object.values((installer?.limits ?? {}) as Record<string, unknown>),
      ];
      for (const q of quantities) expect(parseQuantity(String(q)) ?? -1n).toBeGreaterThan(0n);
    },
  );

  it("runs the installer as the init image's user when the pod runs as root", () => {
    const pod = podWith([app()], { spec: { securityContext: { runAsUser: 0 } } });
    expect(installerOf(pod)?.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 65532,
    });
  });

  it.each([
    ["a non-root pod user", { securityContext: { runAsUser: 1000 } }],
    ["a root app container in a pod without a user", { securityContext: {} }],
  ])("sets no runAsUser for %s: the image's or the platform's applies", (_, spec) => {
    const root = app("app", { securityContext: { runAsUser: 0 } });
    expect(installerOf(podWith([root], { spec }))?.securityContext?.runAsUser).toBeUndefined();
  });
});

describe("reinvocation: another webhook changed the pod after podinit", () => {
  const injectedPod = () => mutate(podWith([app("web")])).pod;
  const withAdded = (pod: Pod, spec: Partial<Pod["spec"]>): Pod =>
    deepFreeze({ ...pod, spec: { ...pod.spec, ...spec } });

  it("wraps a container added since, and touches nothing else but the status", () => {
    const first = injectedPod();
    const shipper = app("log-shipper", { command: ["/ship", "--to", "loki"] });
    const added = withAdded(first, { containers: [...first.spec.containers, shipper] });
    const again = mutatePod(added, "apps", TEST_SETTINGS);
    expect(again.decision).toBe("reinvoked");
    expect(again.wrapped).toEqual(["log-shipper"]);
    expect(parsedCommand(containerOf(again.pod, "log-shipper")).command).toEqual(shipper.command);
    expect(containerOf(again.pod, "log-shipper").volumeMounts).toEqual([
      { name: "podinit", mountPath: "/.podinit", readOnly: true },
    ]);
    expect(again.pod.spec.initContainers).toEqual(added.spec.initContainers);
    expect(again.pod.spec.volumes).toBe(added.spec.volumes);
    expect(
      again.patch
        .map(op => op.path)
        .every(path => /^\/(spec\/containers\/1|metadata\/annotations)/.test(path)),
    ).toBe(true);
    expect(status(again.pod)).toMatchObject({
      decision: "injected",
      wrapped: ["web", "log-shipper"],
    });
    expect(mutatePod(again.pod, "apps", TEST_SETTINGS).patch).toEqual([]);
  });

  it("wraps a native sidecar added since with the volume the pod already has", () => {
    const first = mutate(
      podWith([app("web")], { spec: { volumes: [{ name: "podinit", emptyDir: {} }] } }),
    ).pod;
    const proxy = app("proxy", { restartPolicy: "Always", command: ["/proxy"] });
    const added = withAdded(first, {
      initContainers: [...(first.spec.initContainers ?? []), proxy],
    });
    const again = mutatePod(added, "apps", TEST_SETTINGS);
    expect(again.wrapped).toEqual(["proxy"]);
    expect(containerOf(again.pod, "proxy").volumeMounts?.[0]?.name).toBe("podinit-1");
    expect(again.pod.spec.initContainers?.filter(c => c.name === "podinit-install")).toHaveLength(
      1,
    );
  });

  it("puts the installer back in front when another webhook inserted an init container before it", () => {
    const first = injectedPod();
    const agent = app("secrets-init", { restartPolicy: "Always", command: ["/bin/fetch"] });
    const added = withAdded(first, {
      initContainers: [agent, ...(first.spec.initContainers ?? [])],
    });
    const again = mutatePod(added, "apps", TEST_SETTINGS);
    expect(again.wrapped).toEqual(["secrets-init"]);
    expect(again.pod.spec.initContainers?.map(c => c.name)).toEqual([
      "podinit-install",
      "secrets-init",
    ]);
  });

  it("leaves another injector's container added since unwrapped, and the pod as it was", () => {
    const first = injectedPod();
    const istio = app("istio-proxy", { command: ["/usr/local/bin/pilot-agent"] });
    const added = withAdded(first, { containers: [...first.spec.containers, istio] });
    const again = mutatePod(added, "apps", TEST_SETTINGS);
    expect(again.pod).toBe(added);
    expect(again.decision).toBe("reinvoked");
  });
});

describe("grace period", () => {
  it.each([
    [undefined, "28s"],
    [30, "28s"],
    [60, "58s"],
    [2, "1s"],
    [0, "1s"],
  ])("terminationGracePeriodSeconds %s gives --grace-period=%s", (seconds, expected) => {
    const spec = seconds === undefined ? {} : { terminationGracePeriodSeconds: seconds };
    const result = mutate(podWith([app()], { spec }));
    expect(containerOf(result.pod, "app").command).toContain(`--grace-period=${expected}`);
    expect(result.warnings).toEqual([]);
  });

  it("follows terminationGracePeriodSeconds up to podinit's longest grace period, a day", () => {
    const result = mutate(podWith([app()], { spec: { terminationGracePeriodSeconds: 86_402 } }));
    expect(parsedCommand(containerOf(result.pod, "app")).options.gracePeriodMs).toBe(86_400_000);
    expect(result.warnings).toEqual([]);
  });

  it.each([86_403, 2 ** 53 - 1, Number("9223372036854775807")])(
    "leaves stragglers to the kubelet when terminationGracePeriodSeconds is %s, and says so",
    seconds => {
      const pod = podWith([app()], { spec: { terminationGracePeriodSeconds: seconds } });
      const result = mutate(pod);
      expect(parsedCommand(containerOf(result.pod, "app")).options.gracePeriodMs).toBeNull();
      expect(result.warnings).toEqual([
        expect.stringMatching(/terminationGracePeriodSeconds .* is longer than podinit's longest/),
      ]);
    },
  );

  it("keeps an annotation's grace period under a terminationGracePeriodSeconds of days", () => {
    const result = mutate(
      podWith([app()], {
        annotations: { "podinit.dev/grace-period": "24h" },
        spec: { terminationGracePeriodSeconds: 3 * 86_400 },
      }),
    );
    expect(parsedCommand(containerOf(result.pod, "app")).options.gracePeriodMs).toBe(86_400_000);
    expect(result.warnings).toEqual([]);
  });

  it("uses a valid annotation, the per-container one over the pod-wide one", () => {
    const annotations = {
      "podinit.dev/grace-period": "10s",
      "podinit.dev/grace-period.b": "1500ms",
    };
    const result = mutate(podWith([app("a"), app("b")], { annotations }));
    expect(parsedCommand(containerOf(result.pod, "a")).options.gracePeriodMs).toBe(10_000);
    expect(parsedCommand(containerOf(result.pod, "b")).options.gracePeriodMs).toBe(1500);
  });

  it("clamps a grace period longer than terminationGracePeriodSeconds and says why", () => {
    const result = mutate(
      podWith([app()], {
        annotations: { "podinit.dev/grace-period": "2m" },
        spec: { terminationGracePeriodSeconds: 30 },
      }),
    );
    expect(parsedCommand(containerOf(result.pod, "app")).options.gracePeriodMs).toBe(28_000);
    expect(result.warnings).toEqual([
      expect.stringMatching(
        /grace-period: 120s.*longer than.*terminationGracePeriodSeconds.*using 28s/,
      ),
    ]);
  });

  it.each(["-5s", "soon", "0s"])(
    "replaces the invalid value %s by the default with a warning",
    value => {
      const result = mutate(
        podWith([app()], { annotations: { "podinit.dev/grace-period": value } }),
      );
      expect(result.decision).toBe("injected");
      expect(parsedCommand(containerOf(result.pod, "app")).options.gracePeriodMs).toBe(28_000);
      expect(result.warnings).toEqual([expect.stringContaining(`'${value}' is not a duration`)]);
    },
  );
});

describe("stop signal, stop delay and exit remapping", () => {
  it("passes valid values to podinit", () => {
    const annotations = {
      "podinit.dev/stop-signal": "SIGQUIT",
      "podinit.dev/stop-delay": "5s",
      "podinit.dev/remap-exit": "143:0, 130:0",
    };
    const options = parsedCommand(
      containerOf(mutate(podWith([app()], { annotations })).pod, "app"),
    ).options;
    expect(options.stopSignal).toBe(3);
    expect(options.stopDelayMs).toBe(5000);
    expect(options.remapExit).toEqual([
      { from: 143, to: 0 },
      { from: 130, to: 0 },
    ]);
  });

  it.each([
    ["podinit.dev/stop-signal", "KILL", /stop-signal: 'KILL' is not a signal podinit can forward/],
    ["podinit.dev/stop-delay", "-1s", /stop-delay: '-1s' is not a duration/],
    ["podinit.dev/remap-exit", "143:zero", /remap-exit: '143:zero' is not FROM:TO/],
  ])("ignores %s=%s with a warning", (key, value, message) => {
    const result = mutate(podWith([app()], { annotations: { [key]: value } }));
    const options = parsedCommand(containerOf(result.pod, "app")).options;
    expect(options.stopSignal).toBeNull();
    expect(options.stopDelayMs).toBe(0);
    expect(options.remapExit).toEqual([]);
    expect(result.warnings).toEqual([expect.stringMatching(message)]);
  });

  it("shortens a stop delay that would eat the whole grace period", () => {
    const annotations = { "podinit.dev/stop-delay": "30s", "podinit.dev/grace-period": "10s" };
    const result = mutate(podWith([app()], { annotations }));
    expect(parsedCommand(containerOf(result.pod, "app")).options.stopDelayMs).toBe(9000);
    expect(result.warnings).toEqual([
      expect.stringMatching(/stop-delay: 30s leaves no time.*using 9s/),
    ]);
  });
});

describe("which containers", () => {
  it("wraps only the listed containers, and a listed injector container too", () => {
    const annotations = { "podinit.dev/containers": "istio-proxy, web" };
    const result = mutate(podWith([app("web"), app("istio-proxy"), app("other")], { annotations }));
    expect(result.wrapped).toEqual(["web", "istio-proxy"]);
    expect(result.skippedContainers).toEqual({ other: "not-selected" });
  });

  it("leaves other injectors' containers alone by default", () => {
    const result = mutate(podWith([app("web"), app("linkerd-proxy"), app("vault-agent")]));
    expect(result.skippedContainers).toEqual({
      "linkerd-proxy": "injector-container",
      "vault-agent": "injector-container",
    });
  });

  it("excludes wins over containers, with a warning for the contradiction and for unknown names", () => {
    const annotations = {
      "podinit.dev/containers": "a,b,ghost",
      "podinit.dev/exclude-containers": "b",
    };
    const result = mutate(podWith([app("a"), app("b")], { annotations }));
    expect(result.wrapped).toEqual(["a"]);
    expect(result.skippedContainers).toEqual({ b: "excluded" });
    expect(result.warnings).toEqual([
      expect.stringContaining("'ghost', which this pod does not have"),
      expect.stringContaining("container 'b' is both in"),
    ]);
  });

  it("opts one container out with podinit.dev/inject.<name>", () => {
    const result = mutate(
      podWith([app("a"), app("b")], { annotations: { "podinit.dev/inject.b": "false" } }),
    );
    expect(result.skippedContainers).toEqual({ b: "opted-out" });
  });

  it("wraps plain init containers only when asked", () => {
    const spec = { initContainers: [app("setup")] };
    expect(mutate(podWith([app()], { spec })).skippedContainers).toEqual({
      setup: "init-container",
    });
    const optedIn = mutate(
      podWith([app()], { spec, annotations: { "podinit.dev/init-containers": "true" } }),
    );
    expect(optedIn.wrapped).toEqual(["setup", "app"]);
  });

  it("skips entrypoints that must be PID 1 and containers already using our mount path", () => {
    const clash = app("clash", { volumeMounts: [{ name: "x", mountPath: "/.podinit" }] });
    const result = mutate(podWith([app("s6", { command: ["/init"] }), clash, app()]));
    expect(result.skippedContainers).toEqual({ s6: "must-be-pid-1", clash: "mount-path-conflict" });
  });

  it("warns about podinit.dev annotations nothing reads", () => {
    const annotations = { "podinit.dev/grace": "1s", "podinit.dev/containers.app": "x" };
    const result = mutate(podWith([app()], { annotations }));
    expect(result.warnings).toEqual([
      "annotation podinit.dev/grace is not a podinit setting and is ignored",
      "annotation podinit.dev/containers.app: podinit.dev/containers applies to the whole pod only",
    ]);
  });

  it("knows podinit.dev/entrypoint.<container>, and wants the container name", () => {
    const annotations = {
      "podinit.dev/entrypoint.app": '["/bin/app"]',
      "podinit.dev/entrypoint": '["/bin/app"]',
    };
    expect(mutate(podWith([app()], { annotations })).warnings).toEqual([
      "annotation podinit.dev/entrypoint needs a container name: podinit.dev/entrypoint.<container>",
    ]);
  });

  it("skips a container whose image lookup failed as image-lookup-failed, others as no-command", () => {
    const pod = podWith([
      app("failed", { command: undefined }),
      app("unknown", { command: undefined }),
    ]);
    const result = mutatePod(pod, "apps", TEST_SETTINGS, undefined, new Set(["failed"]));
    expect(result.skippedContainers).toEqual({
      failed: "image-lookup-failed",
      unknown: "no-command",
    });
  });
});

describe("pods that are skipped", () => {
  it.each([
    ["opted-out", podWith([app()], { annotations: { "podinit.dev/inject": "false" } })],
    ["windows", podWith([app()], { spec: { os: { name: "windows" } } })],
    [
      "host-process",
      podWith([app()], { spec: { securityContext: { windowsOptions: { hostProcess: true } } } }),
    ],
  ])("%s: recorded in podinit.dev/status, nothing injected", (reason, pod) => {
    const result = mutate(pod);
    expect(result.reason).toBe(reason);
    expect(status(result.pod)).toEqual({ version: "0.1.0-test", decision: "skipped", reason });
    expect(result.pod.spec).toBe(pod.spec);
  });

  it("skips namespaces excluded by configuration", () => {
    const result = mutatePod(podWith([app()]), "kube-system", TEST_SETTINGS);
    expect(result.reason).toBe("namespace-excluded");
  });

  it("returns mirror pods and injected pods seen again as the very same object", () => {
    const mirror = podWith([app()], { annotations: { "kubernetes.io/config.mirror": "abc" } });
    expect(mutate(mirror).pod).toBe(mirror);
    const injected = mutate(podWith([app()])).pod;
    const again = mutatePod(injected, "apps", TEST_SETTINGS);
    expect(again.pod).toBe(injected);
    expect(again.decision).toBe("reinvoked");
    expect(again.wrapped).toEqual([]);
  });

  it("leaves a pod wrapped by hand alone: a command already starting with podinit", () => {
    const pod = podWith([app("a", { command: ["/opt/bin/podinit", "--", "/app"] }), app("b")]);
    expect(mutate(pod).pod).toBe(pod);
    expect(mutate(pod).reason).toBe("already-injected");
  });

  it("leaves a pod wrapped by hand alone when its podinit comes from the pod's own image volume", () => {
    const tools = { name: "tools", image: { reference: "example.com/tools:1" } };
    const pod = podWith(
      [
        app("a", {
          command: ["/tools/podinit", "--", "/app"],
          volumeMounts: [{ name: "tools", mountPath: "/tools" }],
        }),
        app("b"),
      ],
      { spec: { volumes: [tools] } },
    );
    expect(mutate(pod).pod).toBe(pod);
    expect(mutate(pod).reason).toBe("already-injected");
  });

  it("leaves a pod alone whose own init container is named podinit-install: a second would clash", () => {
    const own = app("podinit-install", { command: ["/setup"] });
    const pod = podWith([app()], { spec: { initContainers: [own] } });
    expect(mutate(pod).pod).toBe(pod);
    expect(mutate(pod).reason).toBe("already-injected");
  });

  it("records what was wrapped and skipped, with the version", () => {
    const result = mutate(podWith([app("a"), app("b", { command: undefined })]));
    expect(status(result.pod)).toEqual({
      version: "0.1.0-test",
      decision: "injected",
      wrapped: ["a"],
      skipped: { b: "no-command" },
      qos: "BestEffort",
      mode: "initContainer",
    });
  });
});
