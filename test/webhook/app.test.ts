import { applyPatch, deepClone, type Operation } from "fast-json-patch";
import { afterEach, describe, expect, it } from "vitest";
import { loadPodFixture } from "../fixtures/load.js";
import { decodeAnswer, reviewOf, testApp, type TestApp } from "../support/webhook/app.js";

let current: TestApp | null = null;
afterEach(async () => {
  await current?.app.close();
  current = null;
});

async function start(options: Parameters<typeof testApp>[0] = {}): Promise<TestApp> {
  current = await testApp(options);
  return current;
}

async function post(t: TestApp, payload: unknown, headers: Record<string, string> = {}) {
  const body = typeof payload === "string" ? payload : JSON.stringify(payload);
  return t.app.inject({
    method: "POST",
    url: "/mutate",
    payload: body,
    headers: { "content-type": "application/json", ...headers },
  });
}

describe("POST /mutate", () => {
  it("answers a pod CREATE with the same uid, allowed, and a base64 JSONPatch that injects podinit", async () => {
    const t = await start();
    const pod = loadPodFixture("nginx-deployment");
    const res = await post(t, reviewOf(pod));
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe("application/json; charset=utf-8");
    const { answer, patch } = decodeAnswer(res.body);
    expect(answer.apiVersion).toBe("admission.k8s.io/v1");
    expect(answer.kind).toBe("AdmissionReview");
    expect(answer.response).toMatchObject({
      uid: "705ab4f5-6393-11e8-b7cc-42010a800002",
      allowed: true,
      patchType: "JSONPatch",
    });
    const patched = applyPatch(deepClone(pod), patch as Operation[]).newDocument as {
      spec: { containers: { command: string[] }[] };
    };
    expect(patched.spec.containers[0]?.command).toEqual([
      "/.podinit/podinit",
      "--grace-period=28s",
      "--",
      "nginx",
      "-g",
      "daemon off;",
    ]);
  });

  it("writes one log line per review with uid, namespace, pod, decision and reason", async () => {
    const t = await start();
    await post(t, reviewOf(loadPodFixture("opted-out")));
    const reviewLines = t.logs.filter(l => l["msg"] === "review");
    expect(reviewLines).toHaveLength(1);
    expect(reviewLines[0]).toMatchObject({
      uid: "705ab4f5-6393-11e8-b7cc-42010a800002",
      namespace: "apps",
      pod: "debug-shell-",
      decision: "skipped",
      reason: "opted-out",
    });
    expect(t.logs).toHaveLength(1);
  });

  it("never logs pod contents such as env values", async () => {
    const t = await start();
    const pod = loadPodFixture("nginx-deployment") as {
      spec: { containers: Record<string, unknown>[] };
    };
    const first = pod.spec.containers[0];
    if (first !== undefined) first["env"] = [{ name: "DB_PASSWORD", value: "hunter2-secret" }];
    await post(t, reviewOf(pod));
    expect(JSON.stringify(t.logs)).not.toContain("hunter2-secret");
  });

  it("returns admission warnings for bad annotations, prefixed so users know who speaks", async () => {
    const t = await start();
    const res = await post(t, reviewOf(loadPodFixture("invalid-annotations")));
    const { answer } = decodeAnswer(res.body);
    expect(answer.response.allowed).toBe(true);
    expect(answer.response.warnings).toContain(
      "podinit: podinit.dev/grace-period: '-5s' is not a duration above zero like 25s or 1500ms; using 28s",
    );
  });

  it.each([
    ["UPDATE", { operation: "UPDATE" }],
    ["DELETE", { operation: "DELETE", object: null }],
    ["a Deployment", { kind: { group: "apps", version: "v1", kind: "Deployment" } }],
    ["a pod subresource", { subResource: "ephemeralcontainers", operation: "UPDATE" }],
  ])("allows %s without a patch", async (_label, request) => {
    const t = await start();
    const res = await post(t, reviewOf(loadPodFixture("nginx-deployment"), request));
    expect(res.statusCode).toBe(200);
    const { answer, patch } = decodeAnswer(res.body);
    expect(answer.response).toEqual({ uid: "705ab4f5-6393-11e8-b7cc-42010a800002", allowed: true });
    expect(patch).toBeNull();
  });

  it("sends no patch for an already injected pod", async () => {
    const t = await start();
    const { answer } = decodeAnswer(
      (await post(t, reviewOf(loadPodFixture("already-injected")))).body,
    );
    expect(answer.response).toEqual({ uid: "705ab4f5-6393-11e8-b7cc-42010a800002", allowed: true });
  });
});

describe("bad input", () => {
  it.each([
    ["non-JSON", "{not json", "ERR_REVIEW_NOT_JSON", /not valid JSON/],
    ["an empty body", "", "ERR_REVIEW_NOT_JSON", /empty/],
    [
      "a wrong apiVersion",
      { ...reviewOf({}), apiVersion: "admission.k8s.io/v1beta1" },
      "ERR_REVIEW_INVALID",
      /apiVersion must be "admission.k8s.io\/v1"/,
    ],
    [
      "a wrong kind",
      { ...reviewOf({}), kind: "Pod" },
      "ERR_REVIEW_INVALID",
      /kind must be "AdmissionReview"/,
    ],
    [
      "a missing request",
      { apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview" },
      "ERR_REVIEW_INVALID",
      /request is required/,
    ],
    [
      "a request without uid",
      reviewOf({}, { uid: undefined }),
      "ERR_REVIEW_INVALID",
      /request.uid is required/,
    ],
    [
      "a numeric uid",
      reviewOf({}, { uid: 42 }),
      "ERR_REVIEW_INVALID",
      /request.uid must be of type string/,
    ],
    ["a JSON array", [], "ERR_REVIEW_INVALID", /the review must be of type object/],
  ])(
    "rejects %s with 400 and a JSON error naming the problem",
    async (_label, payload, code, message) => {
      const t = await start();
      const res = await post(t, payload);
      expect(res.statusCode).toBe(400);
      const error = res.json<{ code: string; message: string }>();
      expect(error.code).toBe(code);
      expect(error.message).toMatch(message);
      expect(t.metrics.errors.get({ code })).toBe(1);
    },
  );

  it("rejects a body over the limit with 400 ERR_REVIEW_TOO_LARGE", async () => {
    const t = await start({ bodyLimitBytes: 4096 });
    const pod = loadPodFixture("nginx-deployment");
    pod["padding"] = "x".repeat(5000);
    const res = await post(t, reviewOf(pod));
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      code: "ERR_REVIEW_TOO_LARGE",
      message: "the review is larger than the body limit of 4096 bytes (--body-limit)",
    });
  });

  it.each([
    ["YAML", "application/yaml", "apiVersion: v1"],
    [
      "a review as text/plain",
      "text/plain",
      JSON.stringify(reviewOf(loadPodFixture("nginx-deployment"))),
    ],
    ["an empty text/plain body", "text/plain", ""],
  ])("rejects %s with 400 ERR_REVIEW_NOT_JSON, as the docs say", async (_label, type, body) => {
    const t = await start();
    const res = await post(t, body, { "content-type": type });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      code: "ERR_REVIEW_NOT_JSON",
      message: "the body must be JSON with Content-Type: application/json",
    });
  });

  it("rejects a request with neither body nor Content-Type as an empty body", async () => {
    const t = await start();
    const res = await t.app.inject({ method: "POST", url: "/mutate" });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      code: "ERR_REVIEW_NOT_JSON",
      message: "the body is empty; expected an AdmissionReview in JSON",
    });
  });

  it.each<[string, () => never | Promise<never>]>([
    [
      "throws",
      () => {
        throw new Error("boom inside");
      },
    ],
    ["rejects", () => Promise.reject(new Error("boom inside"))],
  ])(
    "fails open when the lookup %s: allowed, no patch, an error log naming the pod and a metric",
    async (_how, resolveEntrypoints) => {
      const t = await start({ resolveEntrypoints });
      // A container without command, so the (broken) lookup is asked.
      const res = await post(t, reviewOf(loadPodFixture("nginx-chart-no-command")));
      expect(res.statusCode).toBe(200);
      const { answer, patch } = decodeAnswer(res.body);
      expect(answer.response.allowed).toBe(true);
      expect(patch).toBeNull();
      expect(answer.response.warnings?.[0]).toMatch(/admitted it without podinit/);
      expect(t.metrics.failOpen.get()).toBe(1);
      expect(t.logs.find(l => l["msg"] === "review failed open")).toMatchObject({
        level: 50,
        uid: "705ab4f5-6393-11e8-b7cc-42010a800002",
        namespace: "apps",
        code: "ERR_INTERNAL",
        err: { message: "boom inside" },
      });
    },
  );

  it("fails open on a pod it cannot read", async () => {
    const t = await start();
    const res = await post(t, reviewOf({ spec: { containers: "nope" } }));
    expect(res.statusCode).toBe(200);
    expect(decodeAnswer(res.body).answer.response.allowed).toBe(true);
    expect(t.metrics.failOpen.get()).toBe(1);
  });

  // The API server calls the webhook at /mutate?timeout=5s when timeoutSeconds is set (the chart sets it).
  it.each<[string, Partial<Parameters<typeof start>[0]>, unknown]>([
    ["a pod it cannot read", {}, { spec: { containers: "nope" } }],
    [
      "a lookup that throws",
      {
        resolveEntrypoints: () => {
          throw new Error("boom inside");
        },
      },
      loadPodFixture("nginx-chart-no-command"),
    ],
  ])(
    "fails open on %s at /mutate?timeout=10s, as the API server calls it",
    async (_what, options, pod) => {
      const t = await start(options);
      const res = await t.app.inject({
        method: "POST",
        url: "/mutate?timeout=10s",
        payload: JSON.stringify(reviewOf(pod)),
        headers: { "content-type": "application/json" },
      });
      expect(res.statusCode).toBe(200);
      expect(decodeAnswer(res.body).answer.response.allowed).toBe(true);
      expect(t.metrics.failOpen.get()).toBe(1);
    },
  );

  it("answers unknown routes with a JSON 404", async () => {
    const t = await start();
    const res = await t.app.inject({ method: "GET", url: "/nope" });
    expect(res.statusCode).toBe(404);
    expect(res.json<{ code: string }>().code).toBe("ERR_ROUTE_NOT_FOUND");
  });
});

describe("health and metrics", () => {
  it("reports ready until shutdown begins", async () => {
    const t = await start();
    expect((await t.app.inject({ url: "/healthz" })).statusCode).toBe(200);
    expect((await t.app.inject({ url: "/readyz" })).statusCode).toBe(200);
    t.lifecycle.ready = false;
    expect((await t.app.inject({ url: "/readyz" })).statusCode).toBe(503);
    expect((await t.app.inject({ url: "/healthz" })).statusCode).toBe(200);
  });

  it("counts reviews, injections, skips by reason and latency in Prometheus format", async () => {
    const t = await start();
    await post(t, reviewOf(loadPodFixture("nginx-deployment")));
    await post(t, reviewOf(loadPodFixture("windows-iis")));
    await post(t, reviewOf(loadPodFixture("windows-iis")));
    // The API server's second call for an injected pod: its own outcome, not a second injection.
    await post(t, reviewOf(loadPodFixture("already-injected")));
    await post(t, "{");
    const res = await t.app.inject({ url: "/metrics" });
    expect(res.headers["content-type"]).toMatch(/^text\/plain; version=0.0.4/);
    const text = res.body;
    expect(text).toContain('podinit_webhook_reviews_total{decision="injected"} 1');
    expect(text).toContain('podinit_webhook_reviews_total{decision="skipped"} 2');
    expect(text).toContain('podinit_webhook_reviews_total{decision="reinvoked"} 1');
    expect(text).toContain("podinit_webhook_pods_injected_total 1");
    expect(text).toContain('podinit_webhook_pods_skipped_total{reason="windows"} 2');
    expect(text).toContain('podinit_webhook_errors_total{code="ERR_REVIEW_NOT_JSON"} 1');
    expect(text).toContain("podinit_webhook_review_duration_seconds_count 4");
    expect(text).toContain('podinit_webhook_review_duration_seconds_bucket{le="+Inf"} 4');
    expect(text).toContain('podinit_webhook_build_info{version="0.1.0-test"} 1');
    expect(text).toContain('podinit_webhook_http_requests_total{route="/mutate",status="200"} 4');
    expect(text).toContain('podinit_webhook_http_requests_total{route="/mutate",status="400"} 1');
  });
});
