import { describe, expect, it } from "vitest";
import { formatDuration, parseDuration } from "#options/duration.js";
import { parseSignal, signalName } from "#options/signals.js";

describe("parseDuration", () => {
  it.each([
    ["25s", 25_000],
    ["1500ms", 1500],
    ["1m30s", 90_000],
    ["2h", 7_200_000],
    ["30", 30_000],
    ["0.5s", 500],
    ["0", 0],
    // Decimals are read exactly: in floating point, 1.001 × 1000 is 1000.9999999999999.
    ["1.001s", 1001],
    ["0.017s", 17],
    ["1.5m", 90_000],
  ])("%s is %i ms", (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(["", "-5s", "5x", "s", "1.0005s", "1.5ms", "25 s", "48h"])("rejects %j", text =>
    expect(parseDuration(text)).toBeNull(),
  );

  it.each([0, 1, 999, 1000, 1500, 60_000, 86_400_000])("formats %i ms so it parses back", ms => {
    expect(parseDuration(formatDuration(ms))).toBe(ms);
  });
});

describe("signals", () => {
  it.each([
    ["TERM", 15],
    ["SIGTERM", 15],
    ["sigquit", 3],
    ["9", 9],
    ["RTMIN", 34],
    ["RTMIN+2", 36],
    ["RTMAX-1", 63],
    ["IOT", 6],
  ])("%s is %i", (name, num) => expect(parseSignal(name)).toBe(num));

  it.each(["", "0", "65", "TERMINATE", "RTMIN+31", "RTMAX+1"])("rejects %j", name =>
    expect(parseSignal(name)).toBeNull(),
  );

  it("names every number from 1 to 64 so that the name parses back", () => {
    for (let n = 1; n <= 64; n++) {
      if (n === 32 || n === 33) continue;
      expect(parseSignal(signalName(n))).toBe(n);
    }
  });
});
