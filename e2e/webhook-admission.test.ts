// What the real webhook answers for pods it must leave alone, and that what it leaves alone still runs.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

import { admit } from "../test/support/e2e/admission-client.js";
import { busyboxImage } from "../test/support/e2e/busybox-image.js";
import { containerLogs, removeAllPods, runPod, waitForExit } from "../test/support/e2e/pod-run.js";
import { podinitImage } from "../test/support/e2e/podinit-image.js";
import { simplePod } from "../test/support/e2e/simple-pod.js";
import { startWebhook, type WebhookServer } from "../test/support/e2e/webhook-server.js";

let busybox = "";
let webhook: WebhookServer;

beforeAll(async () => {
  busybox = await busyboxImage();
  webhook = await startWebhook({ initImage: await podinitImage() });
});

afterAll(() => webhook.stop());
afterEach(removeAllPods);

describe("the webhook over TLS", () => {
  it("leaves a pod it already injected unchanged", async () => {
    const pod = simplePod("injected-twice", {
      image: busybox,
      command: ["sh", "-c", "echo once"],
    });
    const first = await admit(webhook, pod);
    expect(first.patch.length).toBeGreaterThan(0);
    const second = await admit(webhook, first.pod);
    expect(second.allowed).toBe(true);
    expect(second.patch).toEqual([]);
    expect(await waitForExit(await runPod(second.pod))).toBe(0);
  });

  it("skips a container without command, whose args then run as before", async () => {
    const withoutCommand = simplePod("no-command", {
      image: busybox,
      args: ["sh", "-c", "echo from-args"],
    });
    const admission = await admit(webhook, withoutCommand);
    expect(admission.allowed).toBe(true);
    expect(admission.pod.spec.containers).toEqual(withoutCommand.spec.containers);
    const running = await runPod(admission.pod);
    expect(await waitForExit(running)).toBe(0);
    expect((await containerLogs(running)).text).toBe("from-args");
  });
});
