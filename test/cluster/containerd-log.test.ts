// How a container stopped, as the cluster suite and benchmark read it from containerd's log lines as containerd writes them.
import { describe, expect, it } from "vitest";

import { runtimeStop } from "../../e2e/cluster/containerd-log.js";

const ID = "cdcecd25cb92f0fdc52b2bd71c6cf2c872ae0d2230105e8160c1be91b7ee4726";
const OTHER = "29edb3599d31628df219d3533aeb619b9b9e11a2dd55b7c4158b6647632635ca";

const line = (time: string, what: string) => `time="${time}" level=info msg="${what}"`;
const stop = (time: string, id: string, what: string) =>
  line(time, `StopContainer for \\"${id}\\" ${what}`);

describe("runtimeStop", () => {
  it("is the time from the StopContainer call to its return, to the microsecond", () => {
    const log = [
      stop("2026-12-04T22:14:07.184409888Z", ID, "with timeout 2 (s)"),
      stop("2026-12-04T22:14:08.000000000Z", OTHER, "with timeout 6 (s)"),
      line("2026-12-04T22:14:08.5Z", "TaskExit event"),
      stop("2026-12-04T22:14:09.467522713Z", ID, "returns successfully"),
      stop("2026-12-04T22:14:14.1Z", OTHER, "returns successfully"),
    ].join("\n");
    expect(runtimeStop(log, ID)?.stopMs).toBeCloseTo(2283.113, 3);
    expect(runtimeStop(log, OTHER)?.stopMs).toBeCloseTo(6100, 3);
  });

  it("says the container was killed when containerd had to send SIGKILL, and only then", () => {
    const log = [
      stop("2026-12-04T22:14:07Z", ID, "with timeout 2 (s)"),
      stop("2026-12-04T22:14:07Z", OTHER, "with timeout 2 (s)"),
      stop("2026-12-04T22:14:07.02Z", OTHER, "returns successfully"),
      line("2026-12-04T22:14:09.1Z", `Kill container \\"${ID}\\"`),
      stop("2026-12-04T22:14:09.2Z", ID, "returns successfully"),
    ].join("\n");
    expect(runtimeStop(log, ID)).toEqual({ stopMs: 2200, killed: true });
    expect(runtimeStop(log, OTHER)?.killed).toBe(false);
  });

  it("counts from the kubelet's first call when it asked twice", () => {
    const log = [
      stop("2026-12-04T22:14:07Z", ID, "with timeout 10 (s)"),
      stop("2026-12-04T22:14:08Z", ID, "with timeout 9 (s)"),
      stop("2026-12-04T22:14:17Z", ID, "returns successfully"),
    ].join("\n");
    expect(runtimeStop(log, ID)?.stopMs).toBe(10_000);
  });

  it("is undefined for a container the log never saw stop", () => {
    const log = stop("2026-12-04T22:14:07Z", ID, "with timeout 10 (s)");
    expect(runtimeStop(log, ID)).toBeUndefined();
    expect(runtimeStop(log, OTHER)).toBeUndefined();
  });
});
