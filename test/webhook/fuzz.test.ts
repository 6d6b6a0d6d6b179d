// Thousands of malformed and random reviews: no crash, every answer well-formed (seeded, replayable).

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadPodFixture, podFixtureNames } from "../fixtures/load.js";
import { reviewOf, testApp, type TestApp } from "../support/webhook/app.js";
import { seededRandom, type Random } from "./helpers/prng.js";

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(async () => {
  await t.app.close();
});

const ATOMS: unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  1e308,
  "",
  "x",
  "CREATE",
  "Pod",
  "Always",
  "/init",
  "podinit.dev/grace-period",
  "-5s",
  "KILL",
  [],
  {},
];
const KEYS = [
  "metadata",
  "spec",
  "annotations",
  "containers",
  "initContainers",
  "volumes",
  "name",
  "command",
  "args",
  "volumeMounts",
  "restartPolicy",
  "securityContext",
  "os",
  "terminationGracePeriodSeconds",
  "__proto__",
  "constructor",
  "podinit.dev/containers",
];

function randomJson(random: Random, depth: number): unknown {
  const roll = random.int(depth <= 0 ? 2 : 5);
  if (roll === 0) return random.pick(ATOMS);
  if (roll === 1)
    return String.fromCharCode(...Array.from({ length: random.int(8) }, () => random.int(0x2fff)));
  if (roll === 2) return Array.from({ length: random.int(4) }, () => randomJson(random, depth - 1));
  const out: Record<string, unknown> = {};
  for (let i = random.int(5); i > 0; i--) out[random.pick(KEYS)] = randomJson(random, depth - 1);
  return out;
}

/** Replaces one value somewhere inside `value` with random JSON. */
function corrupt(random: Random, value: unknown, depth = 0): unknown {
  if (depth > 6 || typeof value !== "object" || value === null || random.next() < 0.2)
    return randomJson(random, 3);
  if (Array.isArray(value)) {
    if (value.length === 0) return [randomJson(random, 2)];
    const copy: unknown[] = [...(value as unknown[])];
    const i = random.int(copy.length);
    copy[i] = corrupt(random, copy[i], depth + 1);
    return copy;
  }
  const keys = Object.keys(value);
  const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  const key = random.next() < 0.2 || keys.length === 0 ? random.pick(KEYS) : random.pick(keys);
  copy[key] = corrupt(random, copy[key], depth + 1);
  return copy;
}

function randomBody(random: Random, fixtures: string[]): string {
  const valid = JSON.stringify(reviewOf(loadPodFixture(random.pick(fixtures))));
  switch (random.int(5)) {
    case 0:
      return valid.slice(0, random.int(valid.length));
    case 1:
      return JSON.stringify(randomJson(random, 4));
    default:
      return JSON.stringify(corrupt(random, JSON.parse(valid)));
  }
}

describe("fuzzing POST /mutate", () => {
  it("answers 3000 random reviews with 200 and a review, or 400 and a coded error", async () => {
    const random = seededRandom(42);
    const fixtures = podFixtureNames();
    const statuses = new Map<number, number>();
    for (let i = 0; i < 3000; i++) {
      const payload = randomBody(random, fixtures);
      const res = await t.app.inject({
        method: "POST",
        url: "/mutate",
        payload,
        headers: { "content-type": "application/json" },
      });
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      const body = res.json<Record<string, unknown>>();
      if (res.statusCode === 200) {
        const response = body["response"] as Record<string, unknown>;
        const sent = JSON.parse(payload) as { request: { uid: string } };
        expect(body).toMatchObject({ apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview" });
        expect(response).toMatchObject({ uid: sent.request.uid, allowed: true });
        if (response["patch"] !== undefined) {
          expect(response["patchType"]).toBe("JSONPatch");
          expect(
            Array.isArray(
              JSON.parse(Buffer.from(response["patch"] as string, "base64").toString()),
            ),
          ).toBe(true);
        }
      } else {
        expect(res.statusCode, payload.slice(0, 200)).toBe(400);
        expect(body["code"]).toMatch(/^ERR_REVIEW_/);
        expect(typeof body["message"]).toBe("string");
      }
    }
    // Both kinds of answer must really occur, or the fuzzer is not exercising the mutation.
    expect(statuses.get(200) ?? 0).toBeGreaterThan(500);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(500);
    expect([...statuses.keys()].sort()).toEqual([200, 400]);
  });
});
