// The median every benchmark verdict is taken from.

import { describe, expect, it } from "vitest";
import { median } from "../../bench/median.js";

describe("median", () => {
  it("is the middle value of an odd count, whatever the order", () => {
    expect(median([3, 1, 2])).toBe(2);
  });

  it("is the mean of the two middle values of an even count, not the upper one", () => {
    // Ten rounds of ratios: the verdict must not lean towards the better half.
    const rounds = [0.79, 0.74, 0.78, 0.75, 0.77, 0.75, 0.78, 0.74, 0.79, 0.76];
    expect(median(rounds)).toBeCloseTo(0.765, 3);
    expect(median([0.7, 0.8])).toBeCloseTo(0.75);
  });

  it("is NaN without values, so an empty run cannot pass a target", () => {
    expect(median([])).toBeNaN();
  });
});
