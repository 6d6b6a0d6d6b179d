// The two ways a pod gets podinit in the e2e suite: by hand (podinit alone) and through the real webhook over TLS.

import { admit } from "../test/support/e2e/admission-client.js";
import { injectByHand } from "../test/support/e2e/hand-injection.js";
import { HarnessError } from "../test/support/e2e/harness-error.js";
import type { PodManifest } from "../test/support/e2e/pod-manifest.js";
import { startWebhook, type WebhookServer } from "../test/support/e2e/webhook-server.js";

export interface Injector {
  readonly name: string;
  /**
   * The pod with podinit; `handFlags` are what the webhook derives from the pod's annotations,
   * given explicitly for the hand injection.
   */
  readonly inject: (pod: PodManifest, handFlags?: readonly string[]) => Promise<PodManifest>;
  readonly close: () => Promise<void>;
}

/** The webhook's default: the pod's grace period minus a 2 s margin, at least 1 s. */
function defaultGraceFlag(pod: PodManifest): string {
  const seconds = Math.max(1, (pod.spec.terminationGracePeriodSeconds ?? 30) - 2);
  return `--grace-period=${seconds}s`;
}

function renamed(pod: PodManifest, suffix: string): PodManifest {
  return { ...pod, metadata: { ...pod.metadata, name: `${pod.metadata.name}-${suffix}` } };
}

export function handInjector(podinitImage: string): Injector {
  return {
    name: "by hand",
    inject: (pod, handFlags = []) =>
      Promise.resolve(
        renamed(
          injectByHand(pod, { image: podinitImage, flags: [defaultGraceFlag(pod), ...handFlags] }),
          "hand",
        ),
      ),
    close: () => Promise.resolve(),
  };
}

/** Starts the webhook on first use, so a suite that never injects through it never builds or starts it. */
export function webhookInjector(podinitImage: string): Injector {
  let server: Promise<WebhookServer> | undefined;
  return {
    name: "by the webhook",
    inject: async pod => {
      server ??= startWebhook({ initImage: podinitImage });
      const admission = await admit(await server, pod);
      if (admission.patch.length === 0) {
        throw new HarnessError(
          "ERR_POD_INVALID",
          `the webhook did not inject ${pod.metadata.name}; warnings: ${admission.warnings.join("; ")}`,
        );
      }
      return renamed(admission.pod, "webhook");
    },
    close: async () => {
      if (server !== undefined) await (await server).stop();
    },
  };
}
