// The webhook's logger: a credential that slips into a log line shows as [redacted], on the line or in the object holding it.

import { describe, expect, it } from "vitest";
import { createLogger } from "../../webhook/src/logger.js";

function linesOf(write: (log: ReturnType<typeof createLogger>) => void): string[] {
  const lines: string[] = [];
  write(createLogger("info", { write: (line: string) => void lines.push(line) }));
  return lines;
}

describe("createLogger", () => {
  it("redacts pull-secret, token and header secrets on a line or in the objects that hold them, and keeps the rest", () => {
    const [line] = linesOf(log =>
      log.warn(
        {
          token: "tok-top",
          credential: { username: "robot", password: "pw-one-level", auth: "cm9ib3Q6cHc=" },
          headers: { authorization: "Bearer two-levels" },
          response: { access_token: "oauth-secret", identitytoken: "id-secret" },
        },
        "lookup",
      ),
    );
    for (const secret of [
      "tok-top",
      "pw-one-level",
      "cm9ib3Q6cHc=",
      "two-levels",
      "oauth-secret",
      "id-secret",
    ])
      expect(line).not.toContain(secret);
    expect(JSON.parse(line ?? "{}")).toMatchObject({
      msg: "lookup",
      credential: { username: "robot", password: "[redacted]" },
      headers: { authorization: "[redacted]" },
    });
  });

  it("redacts a secret an error carries, however deep, and keeps its message", () => {
    const error = Object.assign(new Error("registry said no"), {
      request: { headers: { Authorization: "Basic deep-secret" } },
      response: { body: { access_token: "deeper-secret" }, status: 401 },
    });
    const [line] = linesOf(log => log.error({ err: error }, "lookup failed"));
    expect(line).not.toContain("deep-secret");
    expect(line).not.toContain("deeper-secret");
    expect(JSON.parse(line ?? "{}")).toMatchObject({
      err: {
        message: "registry said no",
        request: { headers: { Authorization: "[redacted]" } },
        response: { status: 401 },
      },
    });
  });

  it("logs an error under err with its message and stack", () => {
    const [line] = linesOf(log => log.error({ err: new Error("boom") }, "failed"));
    const parsed = JSON.parse(line ?? "{}") as { err?: { message?: string; stack?: string } };
    expect(parsed.err?.message).toBe("boom");
    expect(parsed.err?.stack).toContain("logger.test.ts");
  });
});
