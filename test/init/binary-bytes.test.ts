import { describe, expect, it } from "vitest";
import { runPodinit, useBinaryWorkspace } from "../support/podinit-process.js";

const workspace = useBinaryWorkspace("bytes");

/**
 * Bytes that are not UTF-8 (a Latin-1 file name, a binary token), which podinit once passed on as
 * U+FFFD. Node cannot put them in an argv or environment (it encodes strings as UTF-8), so a shell
 * in front of podinit makes them with printf and hands them over.
 */
const RAW = String.raw`\377\376`;
const RAW_HEX = "ff fe";

/** `od`'s hex dump of what a command wrote, on one line. */
function hex(output: string): string {
  return output.replace(/\s+/g, " ").trim();
}

describe("podinit binary: arguments, environment and paths pass through as bytes", () => {
  it.each([true, false])("an argument that is not UTF-8 (PID 1: %s)", async namespace => {
    const done = await runPodinit(["--", "sh", "-c", 'printf %s "$1" | od -An -tx1', "sh"], {
      namespace,
      via: ["sh", "-c", `exec "$@" "$(printf '${RAW}')"`, "sh"],
    });
    expect(done.code).toBe(0);
    expect(hex(done.stdout)).toBe(RAW_HEX);
  });

  it.each([true, false])(
    "UTF-8 beside bytes that are not, in one argument (PID 1: %s)",
    async namespace => {
      const text = "héllo ✓ 😀";
      const done = await runPodinit(["--", "sh", "-c", 'printf %s "$1" | od -An -tx1', "sh"], {
        namespace,
        via: ["sh", "-c", `exec "$@" "${text}$(printf '${RAW}')${text}"`, "sh"],
      });
      const utf8 = Buffer.from(text)
        .toString("hex")
        .replace(/(..)(?!$)/g, "$1 ");
      expect(hex(done.stdout)).toBe(`${utf8} ${RAW_HEX} ${utf8}`);
    },
  );

  it.each([true, false])(
    "an environment variable that is not UTF-8 (PID 1: %s)",
    async namespace => {
      const done = await runPodinit(["--", "sh", "-c", 'printf %s "$RAW" | od -An -tx1'], {
        namespace,
        via: ["sh", "-c", `RAW="$(printf '${RAW}')"; export RAW; exec "$@"`, "sh"],
      });
      expect(done.code).toBe(0);
      expect(hex(done.stdout)).toBe(RAW_HEX);
    },
  );

  it.each([true, false])("a program whose file name is not UTF-8 (PID 1: %s)", async namespace => {
    const dir = workspace.file("programs");
    const make = `mkdir -p "$D" && f="$D/$(printf '${RAW}')app" && printf '#!/bin/sh\\necho "ran $0"\\n' > "$f" && chmod +x "$f"`;
    const done = await runPodinit(["--"], {
      namespace,
      env: { D: dir },
      via: ["sh", "-c", `${make} && exec "$@" "$f"`, "sh"],
    });
    expect(done.code).toBe(0);
    expect(done.stdout).toMatch(/^ran \//);
  });

  it("quotes a PODINIT_* variable it refuses with the bytes it was given", async () => {
    // podinit reads its own settings from the environment through JavaScript (the app's
    // environment never passes through it).
    const done = await runPodinit(["--", "true"], {
      namespace: false,
      via: ["sh", "-c", `PODINIT_STOP_SIGNAL="$(printf '${RAW}')" "$@" 2>&1 | od -An -tx1`, "sh"],
    });
    expect(hex(done.stdout)).toContain(RAW_HEX);
    expect(hex(done.stdout)).not.toContain("ef bf bd");
  });

  it("names a missing program in its error message with the bytes it was given", async () => {
    // Not PID 1 here: the shell in front pipes podinit's stderr through od.
    const missing = `/nonexistent/$(printf '${RAW}')`;
    const done = await runPodinit(["--"], {
      namespace: false,
      via: ["sh", "-c", `"$@" "${missing}" 2>&1 >/dev/null | od -An -tx1`, "sh"],
    });
    const bytes = hex(done.stdout);
    expect(bytes).toContain(`2f ${RAW_HEX}`); // "/" then the two bytes, as given
    expect(bytes).not.toContain("ef bf bd"); // U+FFFD
  });
});
