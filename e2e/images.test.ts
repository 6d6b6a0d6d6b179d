// The locally built images are what the scenarios assume: the podinit image holds only the binary, the app images run.
import { afterEach, describe, expect, it } from "vitest";

import { busyboxImage } from "../test/support/e2e/busybox-image.js";
import { debianImage } from "../test/support/e2e/debian-image.js";
import { podman } from "../test/support/e2e/podman.js";
import { DEFAULT_INSTALL_PATH, podinitImage } from "../test/support/e2e/podinit-image.js";
import { containerLogs, removeAllPods, runPod, waitForExit } from "../test/support/e2e/pod-run.js";
import { scratchAppImage } from "../test/support/e2e/scratch-app-image.js";
import { signalAppBinary } from "../test/support/e2e/signal-app-binary.js";
import { simplePod } from "../test/support/e2e/simple-pod.js";

afterEach(removeAllPods);

interface ImageConfig {
  readonly User?: string;
  readonly Cmd?: readonly string[];
  readonly Entrypoint?: readonly string[] | null;
}

async function imageConfig(reference: string): Promise<ImageConfig> {
  const { stdout } = await podman(["image", "inspect", "--format", "{{json .Config}}", reference]);
  return JSON.parse(stdout) as ImageConfig;
}

async function layerCount(reference: string): Promise<number> {
  const { stdout } = await podman([
    "image",
    "inspect",
    "--format",
    "{{len .RootFS.Layers}}",
    reference,
  ]);
  return Number(stdout.trim());
}

describe("podinit-e2e/podinit", () => {
  it("is FROM scratch with the binary at /podinit, a numeric USER and install as its command", async () => {
    const reference = await podinitImage();
    const config = await imageConfig(reference);
    expect(config.User).toBe("65532");
    expect(config.Cmd).toEqual(["/podinit", "install", DEFAULT_INSTALL_PATH]);
    expect(await layerCount(reference)).toBe(1);
  });

  it("takes the install path and the binary as parameters, and a new input makes a new tag", async () => {
    const standIn = await signalAppBinary();
    const reference = await podinitImage({ binary: standIn, installPath: "/elsewhere/podinit" });
    expect((await imageConfig(reference)).Cmd).toEqual([
      "/podinit",
      "install",
      "/elsewhere/podinit",
    ]);
    expect(reference).not.toBe(await podinitImage());
    expect(await podinitImage({ binary: standIn, installPath: "/elsewhere/podinit" })).toBe(
      reference,
    );
  });
});

describe("podinit-e2e/scratch-app", () => {
  it("has no shell", async () => {
    const pod = simplePod("no-shell", {
      image: await scratchAppImage(),
      command: ["sh", "-c", "true"],
    });
    await expect(runPod(pod)).rejects.toThrow(/executable file not found|no such file/i);
  });
});

describe("podinit-e2e/busybox and podinit-e2e/debian", () => {
  it("busybox has the applets scripts use", async () => {
    const pod = simplePod("busybox-applets", {
      image: await busyboxImage(),
      command: ["sh", "-c", "for a in sleep ps cat kill seq id env; do command -v $a; done"],
    });
    const running = await runPod(pod);
    expect(await waitForExit(running)).toBe(0);
    expect((await containerLogs(running)).lines).toHaveLength(7);
  });

  it("debian (debootstrap from apt's mirror, cached) has bash and procps", async () => {
    const pod = simplePod("debian-tools", {
      image: await debianImage(),
      command: ["bash", "-c", 'echo "bash $BASH_VERSION"; ps -o pid=,comm= -p 1'],
    });
    const running = await runPod(pod);
    expect(await waitForExit(running)).toBe(0);
    const text = (await containerLogs(running)).text;
    expect(text).toMatch(/^bash 5\./);
    // bash execs its last command, so ps itself is PID 1 here.
    expect(text).toMatch(/^\s*1 ps$/m);
  }, 900_000);
});
