import { describe, expect, it } from "vitest";
import { admitPod, type EntrypointLookup } from "../../webhook/src/admission/admit-pod.js";
import { loadPodFixture } from "../fixtures/load.js";
import { reviewOf } from "../support/webhook/app.js";
import { TEST_SETTINGS } from "../support/webhook/settings.js";

/** A pod whose only container sets no command, so the resolver is always asked. */
function request(): Parameters<typeof admitPod>[0] {
  const review = reviewOf(loadPodFixture("nginx-chart-no-command")) as {
    request: Parameters<typeof admitPod>[0];
  };
  return review.request;
}

const FOUND: EntrypointLookup = {
  resolved: new Map([["controller", { entrypoint: ["/docker-entrypoint.sh"], cmd: ["nginx"] }]]),
  failures: new Map(),
  warnings: [],
};

describe("admitPod", () => {
  it("answers at once when the resolver does, and the same after waiting for one that cannot", async () => {
    const now = admitPod(request(), TEST_SETTINGS, () => FOUND);
    expect(now).not.toBeInstanceOf(Promise);
    const later = admitPod(request(), TEST_SETTINGS, () => Promise.resolve(FOUND));
    expect(later).toBeInstanceOf(Promise);
    expect(await later).toEqual(now);
    expect(now).toMatchObject({ decision: "injected" });
  });
});
